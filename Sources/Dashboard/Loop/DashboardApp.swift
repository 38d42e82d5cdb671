import RefreshEngine

#if canImport(Glibc)
    import Glibc
#endif

/// The dashboard's entry point.
public enum DashboardApp {
    public struct Options: Sendable {
        /// `nil`: colour unless `NO_COLOR` is set (and non-empty) or the terminal has none.
        public var noColor: Bool?
        /// `nil`: ASCII glyphs when the locale is not UTF-8.
        public var ascii: Bool?
        /// Called after each frame is painted, with the frame and the `CLOCK_MONOTONIC` time in seconds
        /// (benchmarks).
        public var onFrame: (@Sendable (_ frame: Frame, _ paintedAt: Double) -> Void)?

        public init(
            noColor: Bool? = nil, ascii: Bool? = nil,
            onFrame: (@Sendable (_ frame: Frame, _ paintedAt: Double) -> Void)? = nil
        ) {
            self.noColor = noColor
            self.ascii = ascii
            self.onFrame = onFrame
        }
    }

    /// `nil` when stdin and stdout are terminals; otherwise the one line to print before exiting with 2. Call it
    /// before starting anything else, so a piped run fails fast and touches nothing.
    public static func terminalProblem() -> String? { Terminal.interactiveProblem() }

    /// Shows the dashboard over `engine` (which the caller runs, after `start()`) until the user quits.
    ///
    /// - Parameters:
    ///   - title: The header's first words, e.g. `oauthtop demo`.
    ///   - logLines: A server's recent log lines, oldest first, for the `v` pane.
    /// - Returns: The exit code: 0 after `q`, 128 + the signal after Ctrl-C (130), SIGTERM (143) or SIGHUP (129),
    ///   2 without a terminal, 1 when the terminal cannot be initialised. The terminal is restored on every path.
    @MainActor
    public static func run(
        engine: some DashboardEngine, title: String, options: Options = Options(),
        logLines: @escaping @Sendable (String) async -> [String]
    ) async -> Int32 {
        if let problem = Terminal.interactiveProblem() {
            printError("oauthtop: " + problem)
            return 2
        }
        let utf8 = Terminal.adoptLocale()
        var model = DashboardModel(
            title: title, ascii: options.ascii ?? !utf8, expiryWarning: engine.expiryWarning)
        model.apply(await engine.snapshot())
        let environmentNoColor = getenv("NO_COLOR").map { String(cString: $0) }
        let noColor = options.noColor ?? (Scheme.forEnvironment(noColor: environmentNoColor).name == "monochrome")
        let terminal: Terminal
        do {
            terminal = try Terminal(noColor: noColor)
        } catch {
            printError("oauthtop: \(error)")
            return 1
        }
        let loop = DashboardLoop(
            engine: engine, screen: TerminalScreen(terminal: terminal), model: model, logLines: logLines,
            onFrame: options.onFrame)
        return await loop.run()
    }

    static func printError(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBufferPointer { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
