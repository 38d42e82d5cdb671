import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

@main
struct OAuthTop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oauthtop",
        abstract: "Keep the OAuth sessions of remote MCP servers alive and show their health.",
        discussion: """
            oauthtop refreshes every token before it expires (at 80 % of its lifetime), retries with capped \
            exponential backoff (10 s to 5 min), survives restarts and sleep, and never loses a rotated \
            refresh token.

            Exit codes: 0 ok, 1 failed but retryable, 2 usage or configuration error, 3 sign-in required.
            """,
        version: "0.1.0",
        subcommands: [
            DashboardCommand.self, Demo.self, Serve.self, List.self, Refresh.self, Token.self, Headers.self,
            Import.self, Login.self, Logout.self, Setup.self, Service.self, Doctor.self,
        ],
        defaultSubcommand: DashboardCommand.self
    )

    /// ArgumentParser exits 64 on usage errors; oauthtop's contract says 2.
    static func main() async {
        refuseCoreDumps()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error).replacingOccurrences(of: "Error: ", with: ""))
                Foundation.exit(Exit.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}

/// A core dump would write the tokens in memory to disk, readable wherever cores are collected: none, for this
/// process and what it starts (RLIMIT_CORE 0; the hard limit too, so nothing in the process raises it again).
func refuseCoreDumps() {
    var none = rlimit(rlim_cur: 0, rlim_max: 0)
    _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none)
}
