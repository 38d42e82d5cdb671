import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Opens the authorization URL in the user's browser: `$BROWSER` (the first of its `:`-separated commands; `%s`
/// stands for the URL, else the URL is the last argument), else `xdg-open`. The URL reaches the command as a
/// positional argument of `/bin/sh`, never spliced into shell text, and the command's output goes to /dev/null so
/// it cannot disturb the terminal.
public struct BrowserOpener: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The command line that would be used (for messages), or `nil` when there is none.
    public var command: String? {
        if let browser = environment["BROWSER"]?.split(separator: ":").first.map(String.init),
            !browser.trimmingCharacters(in: .whitespaces).isEmpty
        {
            return browser
        }
        return Self.onPath("xdg-open", environment: environment) != nil ? "xdg-open" : nil
    }

    /// Whether a browser can be opened on this machine for the person at it: `$BROWSER` is set, or there is a
    /// display (`DISPLAY`, `WAYLAND_DISPLAY`) outside an SSH session and `xdg-open` exists. Without one the device
    /// authorization grant is the way to sign in, when the provider offers it.
    public var canReachAPerson: Bool {
        if let browser = environment["BROWSER"], !browser.trimmingCharacters(in: .whitespaces).isEmpty { return true }
        let display = [environment["DISPLAY"], environment["WAYLAND_DISPLAY"]].contains { !($0 ?? "").isEmpty }
        let overSSH = environment["SSH_CONNECTION"] != nil || environment["SSH_TTY"] != nil
        return display && !overSSH && Self.onPath("xdg-open", environment: environment) != nil
    }

    /// Starts the browser and returns at once. False when no browser command exists or it could not be started.
    ///
    /// Spawned with `posix_spawn`: stdin, stdout and stderr on /dev/null, every other descriptor closed (a browser
    /// that lives on must not keep the redirect port, the token store or the log open), default signal handling,
    /// and a process group of its own (Ctrl-C in the terminal does not reach it). A thread reaps it when it ends.
    public func open(_ url: URL) -> Bool {
        guard let command else { return false }
        let script =
            command.contains("%s") ? command.replacingOccurrences(of: "%s", with: "\"$1\"") : command + " \"$1\""
        let arguments = ["/bin/sh", "-c", script, "oauthtop-browser", url.absoluteString]
        let variables = environment.map { "\($0.key)=\($0.value)" }
        guard let pid = Self.spawn(arguments, environment: variables) else { return false }
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        return true
    }

    private static func spawn(_ arguments: [String], environment: [String]) -> pid_t? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // posix_spawn_file_actions_addclosefrom_np is not visible to Swift: mark our descriptors close-on-exec.
        Self.closeDescriptorsOnExec()

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp)
        return result == 0 ? pid : nil
    }

    /// Sets FD_CLOEXEC on every descriptor above 2. This process never execs anything else, so it changes
    /// nothing here; descriptors opened by other threads after this call would still leak, which at worst keeps
    /// a socket open in the browser.
    private static func closeDescriptorsOnExec() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for name in names {
            guard let descriptor = Int32(name), descriptor > 2 else { continue }
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    static func onPath(_ name: String, environment: [String: String]) -> String? {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
