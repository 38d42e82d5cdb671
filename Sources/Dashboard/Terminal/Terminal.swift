import CNcursesw

#if canImport(Glibc)
    import Glibc
#endif

/// The terminal edge (htop's CRT): the tty check, the locale, signal handlers, ncurses' lifecycle and key
/// decoding. Every ncurses call outside `Painter` is here, on the main actor, so the compiler rejects calls from
/// anywhere else.
@MainActor
final class Terminal {
    enum OpenError: Error, CustomStringConvertible {
        case cannotInitialise(term: String)
        case noCursorAddressing(term: String)

        var description: String {
            switch self {
            case .cannotInitialise(let term): "cannot initialise the terminal TERM=\(term)"
            case .noCursorAddressing(let term): "the terminal TERM=\(term) cannot move the cursor"
            }
        }
    }

    let window: UnsafeMutablePointer<WINDOW>
    /// The terminal can show colours and `NO_COLOR` does not forbid them.
    let color: Bool
    private let screen: OpaquePointer
    private var savedActions: [Int32: sigaction] = [:]
    private var ended = false

    /// Signals whose arrival ends or redraws the dashboard; they are written to the wake pipe.
    static let handledSignals = [SIGINT, SIGTERM, SIGHUP, SIGWINCH]
    /// Signals of a crash: the handler puts the terminal back before the process dies.
    static let crashSignals = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE]

    /// `nil` when stdin and stdout are terminals; otherwise the one line to print.
    nonisolated static func interactiveProblem() -> String? {
        if isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 { return nil }
        return "the dashboard needs an interactive terminal (stdin and stdout must be a tty)"
    }

    /// Sets the locale from the environment and tells whether it is UTF-8 (else the model draws ASCII).
    nonisolated static func adoptLocale() -> Bool {
        setlocale(LC_ALL, "")
        guard let codeset = cn_codeset() else { return false }
        let name = String(cString: codeset).uppercased()
        return name == "UTF-8" || name == "UTF8"
    }

    /// Starts ncurses. Our signal handlers go in first: ncurses only installs its own for signals still at
    /// `SIG_DFL`, and its SIGTERM handler would `exit()` from inside the handler.
    init(noColor: Bool) throws {
        _ = WakePipe.fds
        WakePipe.drain()
        CrashRestore.saveTerminalModes()
        for sig in Self.handledSignals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signo in
                let saved = errno
                WakePipe.post(UInt8(truncatingIfNeeded: signo))
                errno = saved
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            var old = sigaction()
            sigaction(sig, &action, &old)
            savedActions[sig] = old
        }

        let term = getenv("TERM").map { String(cString: $0) } ?? ""
        guard let screen = cn_newterm() else {
            Self.restoreActions(savedActions)
            throw OpenError.cannotInitialise(term: term)
        }
        guard cn_has_cursor_addressing() != 0 else {
            endwin()
            delscreen(screen)
            Self.restoreActions(savedActions)
            throw OpenError.noCursorAddressing(term: term)
        }
        self.screen = screen
        window = cn_stdscr()
        CrashRestore.captureSequences()
        for sig in Self.crashSignals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signo in CrashRestore.restoreAndDie(signo) }
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)
            var old = sigaction()
            sigaction(sig, &action, &old)
            savedActions[sig] = old
        }

        cbreak()  // not raw(): Ctrl-C stays SIGINT, Ctrl-Z stays ncurses' suspend
        noecho()
        keypad(window, true)
        nodelay(window, true)  // the input thread does the waiting
        set_escdelay(25)  // a lone Esc would otherwise stall wgetch for a second
        curs_set(0)
        color = !noColor && has_colors()
        if color {
            start_color()
            use_default_colors()
        }
    }

    var size: (width: Int, height: Int) { (Int(getmaxx(window)), Int(getmaxy(window))) }

    /// Our SIGWINCH: read the new size from the tty and tell ncurses (this queues a `KEY_RESIZE`).
    func resize() {
        var rows: Int32 = 0
        var cols: Int32 = 0
        if cn_winsize(STDOUT_FILENO, &rows, &cols) == 0, rows > 0, cols > 0 {
            resizeterm(rows, cols)
        }
    }

    /// The next key, or `nil` when none is waiting.
    func readKey() -> Key? {
        var code: wint_t = 0
        let rc = wget_wch(window, &code)
        if rc == ERR { return nil }
        if rc == KEY_CODE_YES {
            switch Int32(code) {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_PPAGE: return .pageUp
            case KEY_NPAGE: return .pageDown
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_ENTER: return .enter
            case KEY_BACKSPACE, KEY_DC: return .backspace
            case KEY_RESIZE: return .resize
            default: return readKey()  // keys we do not use: skip
            }
        }
        switch code {
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 9: return .tab
        case 3: return .ctrlC
        case 0..<32: return readKey()
        default:
            guard let scalar = Unicode.Scalar(UInt32(code)) else { return readKey() }
            return .char(Character(scalar))
        }
    }

    /// Puts the terminal back as it was (shell modes, main screen, cursor) and our signal handlers away. Safe to
    /// call twice.
    func end() {
        guard !ended else { return }
        ended = true
        curs_set(1)
        endwin()
        delscreen(screen)
        Self.restoreActions(savedActions)
        savedActions = [:]
    }

    private static func restoreActions(_ actions: [Int32: sigaction]) {
        for (sig, old) in actions {
            var old = old
            sigaction(sig, &old, nil)
        }
    }
}

/// What a crash handler needs to give the user their terminal back: the shell's tty modes and the bytes that
/// leave the alternate screen and show the cursor. The handler uses only async-signal-safe calls (`tcsetattr`,
/// `write`, `raise`) on memory allocated up front.
enum CrashRestore {
    private static let capacity = 256
    // Safe without a lock: filled on the main actor before the crash handlers are installed; afterwards only read,
    // and only from a crash handler.
    nonisolated(unsafe) private static let modes = UnsafeMutablePointer<termios>.allocate(capacity: 1)
    nonisolated(unsafe) private static let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    nonisolated(unsafe) private static var haveModes = false
    nonisolated(unsafe) private static var count = 0

    @MainActor static func saveTerminalModes() {
        haveModes = tcgetattr(STDIN_FILENO, modes) == 0
    }

    /// The terminal's own `sgr0`, `cnorm` and `rmcup` (after `newterm` loaded terminfo), xterm's as a fallback.
    @MainActor static func captureSequences() {
        var sequence: [UInt8] = []
        for (capability, fallback) in [("sgr0", "\u{1b}[0m"), ("cnorm", "\u{1b}[?25h"), ("rmcup", "\u{1b}[?1049l")] {
            if let value = cn_tigetstr(capability) {
                sequence += Array(String(cString: value).utf8)
            } else {
                sequence += Array(fallback.utf8)
            }
        }
        sequence += Array("\r\n".utf8)
        count = min(sequence.count, capacity)
        for i in 0..<count { bytes[i] = sequence[i] }
    }

    static func restoreAndDie(_ signo: Int32) {
        if haveModes { tcsetattr(STDIN_FILENO, TCSANOW, modes) }
        _ = write(STDOUT_FILENO, bytes, count)
        raise(signo)  // SA_RESETHAND put the default action back
    }
}

extension WakePipe {
    /// Throws away bytes left from an earlier run in this process.
    static func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(fds.read, &buffer, buffer.count) > 0 {}
    }
}
