import ArgumentParser
import Foundation

extension OAuthTop {
    struct Doctor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check what a user would otherwise debug by hand, one line each with what to do.",
            discussion: """
                Checks that the config parses; that the state folder and its files are yours alone (0700, 0600); \
                how the store's tokens are protected and whether the desktop keyring answers; \
                that each enabled server's MCP URL and authorization server answer; that this machine's clock \
                agrees with the providers' Date headers; that the systemd user service runs. Exit 0 when every check passes, 1 when one failed, 2 \
                when the config does not parse.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Seconds to wait for each provider request (1 to 120).", valueName: "seconds"))
        var timeout: Double = 10

        func validate() throws {
            guard timeout.isFinite, (1...120).contains(timeout) else {
                throw ValidationError("--timeout must be between 1 and 120 seconds (got \(timeout))")
            }
        }

        func run() async throws {
            let paths = Paths(global)
            var findings: [Finding] = []
            var config: Config?
            do {
                let loaded = try ConfigLoader(path: paths.config).load()
                let enabled = loaded.servers.filter(\.enabled).count
                findings.append(
                    .ok("config", "\(paths.config) parses: \(loaded.servers.count) servers, \(enabled) enabled"))
                config = loaded
            } catch {
                findings.append(.fail("config", error.description))
            }
            findings.append(StateFolderCheck(folder: paths.stateDirectory).run())
            findings += ProtectionCheck.run(paths)
            if let config {
                let servers = config.servers.filter(\.enabled)
                if servers.isEmpty {
                    findings.append(.skip("servers", "no enabled server to reach"))
                }
                let outcome = await ServerCheck(timeout: timeout).run(servers)
                findings += outcome.findings
                findings.append(ClockCheck.verdict(outcome.clockSamples))
            }
            findings.append(ServiceCheck.verdict(ServiceState.read(SystemdUser())))
            for finding in findings { print(TerminalText.safe(finding.line)) }
            let failed = findings.filter { $0.verdict == .fail }.count
            print("doctor: \(findings.count - failed) passed or skipped, \(failed) failed")
            if config == nil { throw ExitCode(Exit.usage.rawValue) }
            if failed > 0 { throw ExitCode(Exit.retryable.rawValue) }
        }
    }
}
