/*
 * wall_clock_shift.so: moves CLOCK_REALTIME (clock_gettime, gettimeofday, time) of a process forward by the number
 * of seconds in the file named by WALL_CLOCK_SHIFT_FILE ("+N"), read again at most every 100 ms, so that several
 * processes share one jumping wall clock, as after a wake or a clock set forward. The monotonic and boot clocks and
 * every timer are left alone. Like the kernel when the wall clock is set, it ends the read of a timerfd armed with
 * TFD_TIMER_CANCEL_ON_SET with ECANCELED when the offset changes (oauthtop's engine waits on one to learn of a wake).
 *
 * Why not Debian's libfaketime 0.9.10: it also rewrites absolute timerfd deadlines, which libdispatch (and so
 * Swift's Task.sleep) arms on the monotonic clocks; in a process that starts with a non-zero offset a 0.3 s
 * Task.sleep never returns (seen in the soak: `token` calls hung for minutes, and every `serve` started after a jump
 * stopped refreshing), which is not what a wake or a clock set forward does to a program.
 *
 * Built by scripts/soak with the C compiler of the Swift toolchain: cc -shared -fPIC -O2 -o X.so this.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

static clock_gettime_fn real_clock_gettime(void) {
    static _Atomic(clock_gettime_fn) real;
    clock_gettime_fn fn = atomic_load(&real);
    if (!fn) {
        fn = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
        atomic_store(&real, fn);
    }
    return fn;
}

static long long offset_seconds(void) {
    static _Atomic long long offset;
    static _Atomic long long read_at_ns = -1;
    const char *path = getenv("WALL_CLOCK_SHIFT_FILE");
    if (!path) return 0;
    struct timespec now;
    real_clock_gettime()(CLOCK_MONOTONIC, &now);
    long long now_ns = now.tv_sec * 1000000000LL + now.tv_nsec;
    long long last = atomic_load(&read_at_ns);
    if (last >= 0 && now_ns - last < 100000000LL) return atomic_load(&offset);
    atomic_store(&read_at_ns, now_ns);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char text[32] = {0};
        ssize_t n = read(fd, text, sizeof text - 1);
        close(fd);
        if (n > 0) atomic_store(&offset, strtoll(text, NULL, 10));
    }
    return atomic_load(&offset);
}

int clock_gettime(clockid_t id, struct timespec *spec) {
    int result = real_clock_gettime()(id, spec);
    if (result == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) spec->tv_sec += offset_seconds();
    return result;
}

int gettimeofday(struct timeval *restrict value, void *restrict zone) {
    (void)zone;
    struct timespec spec;
    int result = clock_gettime(CLOCK_REALTIME, &spec);
    if (result == 0) {
        value->tv_sec = spec.tv_sec;
        value->tv_usec = spec.tv_nsec / 1000;
    }
    return result;
}

time_t time(time_t *out) {
    struct timespec spec;
    clock_gettime(CLOCK_REALTIME, &spec);
    if (out) *out = spec.tv_sec;
    return spec.tv_sec;
}

/* ---- TFD_TIMER_CANCEL_ON_SET, as the kernel does it for a real change of the wall clock ---- */

typedef int (*timerfd_settime_fn)(int, int, const struct itimerspec *, struct itimerspec *);
typedef ssize_t (*read_fn)(int, void *, size_t);

enum { MAX_WATCHED = 16 };
static _Atomic int watched_fd[MAX_WATCHED];  /* fd + 1; 0: free */
static _Atomic int cancelled[MAX_WATCHED];

static timerfd_settime_fn real_timerfd_settime(void) {
    static _Atomic(timerfd_settime_fn) real;
    timerfd_settime_fn fn = atomic_load(&real);
    if (!fn) {
        fn = (timerfd_settime_fn)dlsym(RTLD_NEXT, "timerfd_settime");
        atomic_store(&real, fn);
    }
    return fn;
}

static read_fn real_read(void) {
    static _Atomic(read_fn) real;
    read_fn fn = atomic_load(&real);
    if (!fn) {
        fn = (read_fn)dlsym(RTLD_NEXT, "read");
        atomic_store(&real, fn);
    }
    return fn;
}

static int slot_of(int fd) {
    for (int i = 0; i < MAX_WATCHED; i++)
        if (atomic_load(&watched_fd[i]) == fd + 1) return i;
    return -1;
}

/* Polls the offset file; when it changes, every watched timer expires at once and its next read says ECANCELED. */
static void *watch_offset(void *unused) {
    (void)unused;
    long long last = offset_seconds();
    for (;;) {
        usleep(50000);
        long long now = offset_seconds();
        if (now == last) continue;
        last = now;
        for (int i = 0; i < MAX_WATCHED; i++) {
            int fd = atomic_load(&watched_fd[i]) - 1;
            if (fd < 0) continue;
            atomic_store(&cancelled[i], 1);
            struct itimerspec soon = {.it_value = {.tv_sec = 0, .tv_nsec = 1}};
            real_timerfd_settime()(fd, 0, &soon, NULL);
        }
    }
    return NULL;
}

/* Which timerfds run on the wall clock: only their absolute deadlines are in the shifted time. (libdispatch arms
 * its monotonic and boot-clock timers with absolute deadlines too; those must pass unchanged.) */
enum { MAX_FDS = 4096 };
static _Atomic unsigned char wall_clock_fd[MAX_FDS];

typedef int (*timerfd_create_fn)(int, int);

int timerfd_create(int clock, int flags) {
    static _Atomic(timerfd_create_fn) real;
    timerfd_create_fn fn = atomic_load(&real);
    if (!fn) {
        fn = (timerfd_create_fn)dlsym(RTLD_NEXT, "timerfd_create");
        atomic_store(&real, fn);
    }
    int fd = fn(clock, flags);
    if (fd >= 0 && fd < MAX_FDS) atomic_store(&wall_clock_fd[fd], clock == CLOCK_REALTIME);
    return fd;
}

int timerfd_settime(int fd, int flags, const struct itimerspec *value, struct itimerspec *old) {
    struct itimerspec real_value = *value;
    int on_wall_clock = fd >= 0 && fd < MAX_FDS && atomic_load(&wall_clock_fd[fd]);
    if ((flags & TFD_TIMER_ABSTIME) && on_wall_clock) real_value.it_value.tv_sec -= offset_seconds();
    if ((flags & TFD_TIMER_CANCEL_ON_SET) && slot_of(fd) < 0) {
        for (int i = 0; i < MAX_WATCHED; i++) {
            int expected = 0;
            if (atomic_compare_exchange_strong(&watched_fd[i], &expected, fd + 1)) break;
        }
        static _Atomic int started;
        static pthread_t watcher;
        if (!atomic_exchange(&started, 1)) pthread_create(&watcher, NULL, watch_offset, NULL);
    }
    return real_timerfd_settime()(fd, flags, &real_value, old);
}

ssize_t read(int fd, void *buffer, size_t count) {
    ssize_t result = real_read()(fd, buffer, count);
    int slot = result == (ssize_t)sizeof(unsigned long long) ? slot_of(fd) : -1;
    if (slot >= 0 && atomic_exchange(&cancelled[slot], 0)) {
        errno = ECANCELED;
        return -1;
    }
    return result;
}
