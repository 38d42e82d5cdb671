import ArgumentParser
import Dashboard
import Foundation
import SignIn

extension OAuthTop {
    struct DashboardCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dashboard",
            abstract:
                "Show every server's health live; refresh, sign in and log out from the keyboard (the default command).",
            discussion: Keymap.standard.summary)

        @OptionGroup var global: GlobalOptions

        @Flag(help: "No colours (NO_COLOR=1 does the same).")
        var noColor = false

        @Flag(help: "No desktop notifications when a server needs a sign-in (config: \"notifications\": false).")
        var noNotify = false

        func run() async throws {
            // Before anything else: a piped run fails fast and touches nothing.
            if let problem = DashboardApp.terminalProblem() {
                throw fail(.usage, problem + "; use 'oauthtop list' for plain-text output")
            }
            let runtime = try Runtime.open(global)
            let code = try await runDashboard(
                runtime, title: "oauthtop", noColor: noColor, browser: .silent(BrowserOpener()),
                notify: !noNotify && runtime.config.notifications)
            if code != 0 { throw ExitCode(code) }
        }
    }
}

/// Starts the engine over `runtime` (with browser sign-in behind `l` and the connection probe), shows the
/// dashboard until the user quits, and stops the engine.
func runDashboard(
    _ runtime: Runtime, title: String, noColor: Bool, browser: BrowserSignIn.Browser, notify: Bool = false
) async throws -> Int32 {
    // Without a browser here, a provider that offers it gets a device sign-in: the detail pane shows the code.
    let engine = runtime.engine(signIn: runtime.browserSignIn(browser: browser, say: { _ in }), probes: true)
    try await engine.start()
    let notifier = DesktopNotifier.start(following: engine, enabled: notify, logger: runtime.logger)
    let runner = Task { try await engine.run() }
    let tail = LogTail(path: runtime.paths.log)
    let code = await DashboardApp.run(
        engine: engine, title: title, options: DashboardApp.Options(noColor: noColor ? true : nil),
        logLines: { tail.lines(for: $0) })
    runner.cancel()
    notifier?.cancel()
    await engine.shutdown()
    // The screen is back to the shell; refreshes still on the wire end before the process does.
    await engine.waitForIdle()
    runtime.logger.info("oauthtop dashboard closed", metadata: ["exit_code": "\(code)"])
    return code
}
