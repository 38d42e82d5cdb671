import ArgumentParser
import Foundation
import Health
import OAuth
import RefreshEngine
import SignIn

extension OAuthTop {
    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign in with the browser (discovery, dynamic registration, PKCE S256, a redirect to 127.0.0.1).",
            usage:
                "oauthtop login NAME [--no-browser] [--device]\n       oauthtop login --all [--no-browser] [--device]",
            discussion: """
                Opens $BROWSER, else xdg-open, else prints the URL; waits up to 5 minutes for the browser to come \
                back to http://127.0.0.1:PORT/callback/... (oauth.redirect_port, else a free port). On a machine \
                without a browser (no $BROWSER, no display, or over SSH) a provider that offers device \
                authorization (RFC 8628) is used instead: oauthtop prints a URI and a code to enter on any device, \
                and waits until the code expires. Exit codes: 0 signed in; 1 the provider could not be reached (try \
                again); 2 the configuration or the provider cannot work as it is; 3 the sign-in was denied, timed \
                out or was refused by the provider (sign-in still required).
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The server's name in the config.") var name: String?
        @Flag(help: "Sign in, one after another, to every enabled server whose health suggests login.") var all = false
        @Flag(help: "Print the URL instead of opening a browser.") var noBrowser = false
        @Flag(help: "Sign in with a code on another device (RFC 8628 device authorization), even with a browser here.")
        var device = false

        func validate() throws {
            if all == (name != nil) { throw ValidationError("give a server NAME or --all, not both") }
        }

        func run() async throws {
            let runtime = try Runtime.open(global)
            guard let name else { return try await signInToAll(runtime) }
            let server = try runtime.server(name)
            let engine = runtime.engine([server.definition], signIn: signInService(runtime), probes: true)
            try await engine.start()
            if let failure = try await signIn(name, engine) { throw failure.code }
        }

        /// `--all`: every enabled server whose action is `login`, in the config's order; exit 0 when each signed
        /// in, else the code of the worst failure (sign-in still required over configuration over retryable).
        private func signInToAll(_ runtime: Runtime) async throws {
            let engine = runtime.engine(signIn: signInService(runtime), probes: true)
            try await engine.start()
            let due = await engine.snapshot().filter { $0.facts.enabled && $0.health.action == .login }.map(\.name)
            guard !due.isEmpty else {
                printError("no server needs a sign-in")
                return
            }
            printError("signing in to \(due.count) server\(due.count == 1 ? "" : "s"): \(due.joined(separator: ", "))")
            // Exit codes rise with severity (1 retryable, 2 configuration, 3 sign-in still required): the worst wins.
            var worst: Exit?
            for name in due {
                guard let failure = try await signIn(name, engine) else { continue }
                if failure.exit.rawValue > worst?.rawValue ?? 0 { worst = failure.exit }
            }
            if let worst { throw ExitCode(worst.rawValue) }
        }

        private func signInService(_ runtime: Runtime) -> BrowserSignIn {
            let say: @Sendable (String) -> Void = { line in
                print(TerminalText.safe(line))
                fflush(nil)
            }
            var service = runtime.browserSignIn(browser: noBrowser ? .printOnly : .open(BrowserOpener()), say: say)
            if device { service.deviceFlow = .always }
            return service
        }

        /// One sign-in and the probe after it; `nil` when signed in, else what failed (already printed).
        private func signIn(_ name: String, _ engine: RefreshEngine) async throws -> (exit: Exit, code: ExitCode)? {
            let say: (String) -> Void = { line in
                print(TerminalText.safe("\(name): \(line)"))
                fflush(nil)
            }
            let outcome: LoginOutcome
            do {
                outcome = try await engine.login(name)
            } catch {
                return (Exit(error), engineFailure(error))
            }
            switch outcome {
            case .failed(let error):
                let exit = Self.exit(for: error.kind)
                return (exit, fail(exit, "sign-in to '\(name)' failed: \(error.message)"))
            case .signedIn(let expiresAt):
                var line = "signed in"
                if let expiresAt {
                    line += "; access token valid until \(TimeText.rfc3339(expiresAt))"
                } else {
                    line += "; the access token has no expiry"
                }
                let status = try? await engine.status(of: name)
                line += status?.hasRefreshToken == true ? "; refresh token stored" : "; no refresh token"
                say(line)
            }
            switch try? await engine.probe(name) {
            case .connected?:
                say("the MCP server accepted the token")
            case .unauthorized(let error)?:
                printError("warning: \(name): the MCP server refused the new token (\(error))")
            case .insufficientScope(let scope, _)?:
                printError(
                    "warning: \(name): the MCP server wants more access than the provider granted"
                        + (scope.map { " (scope \($0))" } ?? "")
                        + "; the provider may not offer it to this client, or the sign-in did not grant it")
            case .unreachable(_, let detail)?:
                printError("warning: \(name): could not check the token against the MCP server: \(detail)")
            case nil:
                break
            }
            return nil
        }

        /// DESIGN.md's exit codes for a sign-in that did not happen.
        static func exit(for kind: SignInError.Kind) -> Exit {
            switch kind {
            case .network: .retryable
            case .configuration: .usage
            case .denied, .timedOut, .cancelled, .provider: .signIn
            }
        }
    }
}
