import ArgumentParser
import Foundation
import Health
import RefreshEngine

extension OAuthTop {
    struct Refresh: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Refresh now (one refresh per server at a time, across processes; rate limited).")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Servers to refresh.") var names: [String] = []
        @Flag(help: "Refresh every server that has a refresh token.") var all = false

        func validate() throws {
            if names.isEmpty == !all {
                throw ValidationError("name one or more servers, or pass --all")
            }
        }

        func run() async throws {
            let runtime = try Runtime.open(global)
            let targets = all ? runtime.config.servers.map(\.name) : names
            let definitions = try targets.map { try runtime.server($0).definition }
            // An engine of the named servers only: starting one over every server would set off refreshes of other
            // overdue servers that this short-lived process would abandon on the wire when it exits.
            let engine = runtime.engine(definitions)
            try await engine.start()
            var worst = Exit.ok
            for name in targets {
                let (code, line) = await refresh(name, engine: engine, skipWithoutRefreshToken: all)
                print(TerminalText.safe("\(name): \(line)"))
                if code.rawValue > worst.rawValue { worst = code }
            }
            // Nothing is left on the wire when the process ends: an abandoned refresh may have rotated the token.
            await engine.waitForIdle()
            if worst != .ok { throw ExitCode(worst.rawValue) }
        }

        private func refresh(_ name: String, engine: RefreshEngine, skipWithoutRefreshToken: Bool) async -> (
            Exit, String
        ) {
            if skipWithoutRefreshToken, let status = try? await engine.status(of: name), !status.hasRefreshToken {
                return (.ok, "skipped: \(status.health.summary)")
            }
            for _ in 0..<3 {
                let outcome: RefreshOutcome
                do {
                    outcome = try await engine.refresh(name)
                } catch {
                    switch error {
                    case .disabled: return (.ok, "skipped: disabled")
                    case .signInRequired, .loggedOut: return (.signIn, error.description)
                    case .unknownServer, .misconfigured: return (.usage, error.description)
                    case .signInRunning: return (.retryable, error.description)
                    }
                }
                switch outcome {
                case .refreshed(let expiresAt), .adopted(let expiresAt):
                    let verb = if case .adopted = outcome { "refreshed by another process" } else { "refreshed" }
                    return (
                        .ok,
                        verb
                            + (expiresAt.map { "; token valid until \(TimeText.rfc3339($0))" }
                                ?? "; token has no expiry")
                    )
                case .deferred(let until, let reason):
                    let wait = until.timeIntervalSinceNow
                    guard wait <= TokenIssuer.maxWait else { return (.retryable, "deferred: \(reason)") }
                    print(TerminalText.safe("\(name): \(reason); waiting"))
                    if wait > 0 { try? await Task.sleep(for: .milliseconds(Int(wait * 1000) + 50)) }
                case .retrying(let error, let next):
                    return (.retryable, "refresh failed: \(error); oauthtop serve retries at \(TimeText.rfc3339(next))")
                case .failed(let error):
                    return (.signIn, "sign-in required: \(error); run: oauthtop login \(name)")
                }
            }
            return (.retryable, "still busy in another process; try again shortly")
        }
    }
}
