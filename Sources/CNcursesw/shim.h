/* The only place that picks the curses header (htop's ProvideCurses.h). Only Dashboard's Terminal.swift and
   Painter.swift import this module. */
#ifndef CNCURSESW_SHIM_H
#define CNCURSESW_SHIM_H
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1          /* cchar_t, wget_wch, ...; pkg-config's -D_XOPEN_SOURCE is dropped by SwiftPM */
#endif
#include <ncursesw/curses.h>
#include <ncursesw/term.h>
#include <langinfo.h>
#include <locale.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

/* NCURSES_BITS(...) macros are not imported into Swift. */
static inline int cn_A_NORMAL(void)    { return (int)A_NORMAL; }
static inline int cn_A_BOLD(void)      { return (int)A_BOLD; }
static inline int cn_A_DIM(void)       { return (int)A_DIM; }
static inline int cn_A_REVERSE(void)   { return (int)A_REVERSE; }
static inline int cn_A_UNDERLINE(void) { return (int)A_UNDERLINE; }
static inline int cn_COLOR_PAIR(int n) { return (int)COLOR_PAIR(n); }

/* C globals are "shared mutable state" to Swift 6 (a hard error): read them through functions. */
static inline WINDOW *cn_stdscr(void) { return stdscr; }
static inline int cn_lines(void) { return LINES; }
static inline int cn_cols(void)  { return COLS; }

/* stdin/stdout are C globals too. newterm() returns NULL on failure, where initscr() would exit(). */
static inline SCREEN *cn_newterm(void) { return newterm(NULL, stdout, stdin); }

/* TERM=dumb: newterm() succeeds but there is no cursor addressing, so the screen would be garbage. */
static inline int cn_has_cursor_addressing(void) {
    char *s = tigetstr("cup");
    return s != NULL && s != (char *)-1;
}

/* A terminfo string capability, or NULL when the terminal lacks it. */
static inline const char *cn_tigetstr(const char *name) {
    char *s = tigetstr(name);
    return (s == NULL || s == (char *)-1) ? NULL : s;
}

/* ioctl is variadic: not callable from Swift. */
static inline int cn_winsize(int fd, int *rows, int *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return -1;
    *rows = ws.ws_row; *cols = ws.ws_col;
    return 0;
}

/* nl_langinfo(CODESET) needs an nl_item cast that reads badly from Swift. */
static inline const char *cn_codeset(void) { return nl_langinfo(CODESET); }
#endif
