import ArgumentParser
import Dashboard
import DemoProvider
import Foundation
import RefreshEngine
import SignIn
import TokenStore

extension OAuthTop {
    struct Demo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The dashboard over an embedded demo provider on 127.0.0.1: every state within a minute.",
            discussion: """
                Starts an OAuth authorization server with scripted servers (short-lived tokens, rotation, a flaky \
                endpoint, a throttled one, one without refresh token, one whose refresh token is revoked), writes \
                a temporary config and state folder, imports a session per server and runs the engine. Time is \
                compressed through the config's refresh keys only. Nothing outside the temporary folder changes.
                """)

        @Option(help: "How many scripted servers (the six archetypes, repeated).")
        var servers = 6

        @Flag(help: "Run without the dashboard; print `list --json` after --duration seconds.")
        var noTui = false

        @Option(help: "With --no-tui: seconds to run.")
        var duration: Double = 60

        @Flag(help: "No colours (NO_COLOR=1 does the same).")
        var noColor = false

        /// The demo's whole clock: tokens live seconds, so backoff, rate limit and warnings shrink to match.
        static let refresh: [String: Double] = [
            "threshold": 0.8, "min_buffer": 0, "retry_backoff_base": 1, "max_retry_backoff": 8,
            "min_attempt_interval": 1, "expiry_warning": 60, "request_timeout": 5,
        ]

        func validate() throws {
            guard (1...1000).contains(servers) else { throw ValidationError("--servers must be between 1 and 1000") }
            // At most a year: a Duration made of 1e300 seconds traps (docs/security.md).
            guard duration > 0, duration.isFinite, duration <= 31_536_000 else {
                throw ValidationError("--duration must be a positive number of seconds, at most 31536000 (a year)")
            }
        }

        func run() async throws {
            if !noTui, let problem = DashboardApp.terminalProblem() {
                throw fail(.usage, problem + "; use 'oauthtop demo --no-tui' to run it without a screen")
            }
            let folder = try Self.temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }

            var scenario = DemoScenario.standard(servers: servers)
            scenario.tokenLatency = 0.4
            let provider = try DemoProvider(scenario: scenario)
            let base = try await provider.start()
            let runtime = try await Self.prepare(folder: folder, provider: provider, base: base)

            let code: Int32
            if noTui {
                code = try await headless(runtime, provider: provider)
            } else {
                // The demo provider approves without a page, so following the authorization URL signs in.
                code = try await runDashboard(
                    runtime, title: "oauthtop demo", noColor: noColor, browser: automaticBrowser(provider))
            }
            try? FileManager.default.removeItem(atPath: folder)
            await provider.stop()
            if code != 0 { throw ExitCode(code) }
        }

        private func automaticBrowser(_ provider: DemoProvider) -> BrowserSignIn.Browser {
            .automatic { url in Task { await provider.followAuthorization(url) } }
        }

        private func headless(_ runtime: Runtime, provider: DemoProvider) async throws -> Int32 {
            let engine = runtime.engine(
                signIn: runtime.browserSignIn(browser: automaticBrowser(provider), say: { _ in }), probes: true)
            try await engine.start()
            let runner = Task { try await engine.run() }
            // For people, so on stderr: stdout carries only the JSON at the end (`oauthtop demo --no-tui | jq` works).
            FileHandle.standardError.write(
                Data(
                    "demo: \(runtime.config.servers.count) servers for \(duration.formatted()) s; log: \(runtime.paths.log)\n"
                        .utf8))
            let (stop, sources) = StopSignals.install()
            let signal = await withTaskGroup(of: Int32?.self) { group in
                group.addTask {
                    try? await Task.sleep(for: .seconds(duration))
                    return nil
                }
                group.addTask {
                    for await number in stop { return number }
                    return nil
                }
                defer { group.cancelAll() }
                return await group.next() ?? nil
            }
            withExtendedLifetime(sources) {}
            runner.cancel()
            let statuses = await engine.snapshot()
            await engine.shutdown()
            print(try ListJSON.render(statuses))
            return signal.map { 128 + $0 } ?? 0
        }

        /// A config and a state folder for the demo servers, each with a session as if its sign-in had just run.
        static func prepare(folder: String, provider: DemoProvider, base: URL) async throws -> Runtime {
            let mcp = base.appendingPathComponent("mcp").absoluteString
            var servers: [String: Any] = [:]
            for server in provider.scenario.servers { servers[server.name] = ["url": mcp] }
            let config = ["mcpServers": servers, "refresh": refresh]
            let configPath = folder + "/config.json"
            let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
            guard FileManager.default.createFile(atPath: configPath, contents: data) else {
                throw fail(.retryable, "cannot write the demo config \(configPath)")
            }
            let runtime = try Runtime.open(
                try GlobalOptions.parse(["--config", configPath, "--state-dir", folder + "/state"]),
                ephemeralKey: true)
            for server in provider.scenario.servers {
                let minted = try await provider.mintSession(for: server.name)
                let session = StoredSession(
                    server: server.name, accessToken: minted.token.accessToken, tokenType: minted.token.tokenType,
                    refreshToken: minted.token.refreshToken, scope: minted.token.scope, issuedAt: minted.issuedAt,
                    expiresAt: minted.token.expiresIn.map { minted.issuedAt.addingTimeInterval($0) },
                    client: ClientRegistration(
                        tokenEndpoint: minted.tokenEndpoint.absoluteString, clientID: minted.clientID,
                        authMethod: "none", resource: minted.resource))
                try await runtime.store.save(session)
            }
            runtime.logger.info(
                "oauthtop demo started",
                metadata: ["servers": "\(provider.scenario.servers.count)", "provider": "\(base)"])
            return runtime
        }

        static func temporaryFolder() throws -> String {
            let parent =
                NSTemporaryDirectory().hasSuffix("/")
                ? String(NSTemporaryDirectory().dropLast()) : NSTemporaryDirectory()
            var template = Array((parent + "/oauthtop-demo-XXXXXX").utf8CString)
            guard let made = mkdtemp(&template) else { throw fail(.retryable, "cannot create a temporary folder") }
            return String(cString: made)
        }
    }
}
