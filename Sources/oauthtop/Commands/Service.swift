import ArgumentParser
import Foundation
import Health
import RefreshEngine

extension OAuthTop {
    struct Service: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run 'oauthtop serve' as a systemd user service: install, uninstall, status.",
            discussion: """
                The unit (Resources/systemd/oauthtop.service) runs this binary's 'serve' with the config and state \
                folder given here (or the defaults), restarts it on failure and starts it at login. Without a \
                systemd user manager, install and uninstall say so in one line with the command to run instead, \
                and exit 1.
                """,
            subcommands: [Install.self, Uninstall.self, Status.self])
    }
}

extension OAuthTop.Service {
    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Write the unit to $XDG_CONFIG_HOME/systemd/user/oauthtop.service, then enable and start it.")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Print the unit on stdout and what would be run on stderr; change nothing.")
        var dryRun = false

        func run() throws {
            let systemd = SystemdUser()
            let files = try ServiceFiles(global)
            let unit: String
            do {
                unit = try ServiceUnit.render(
                    binary: files.binary, config: files.config, stateDirectory: files.stateDirectory)
            } catch {
                throw fail(.usage, error.description)
            }
            let path = systemd.unitPath
            let existing = try? String(contentsOfFile: path, encoding: .utf8)
            var steps = [["daemon-reload"], ["enable", "--now", ServiceUnit.name]]
            // A running service keeps the old unit's binary and paths until it restarts.
            if let existing, existing != unit { steps.append(["restart", ServiceUnit.name]) }
            if dryRun {
                print(unit, terminator: "")
                printError("would write \(path)")
                for step in steps { printError("would run: systemctl --user \(step.joined(separator: " "))") }
                return
            }
            if let reason = systemd.unavailable() {
                throw fail(
                    .retryable,
                    "no systemd user manager here (\(reason)); run this instead: "
                        + ServeCommandLine.background(
                            binary: files.binary, config: files.config, stateDirectory: files.stateDirectory))
            }
            do {
                try FileManager.default.createDirectory(
                    atPath: systemd.unitDirectory, withIntermediateDirectories: true)
                try Data(unit.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw fail(.retryable, "cannot write \(path): \(error.localizedDescription)")
            }
            do {
                for step in steps {
                    try systemd.require(
                        step, otherwise: "the unit is at \(path); 'journalctl --user -u oauthtop' may say why")
                }
            } catch {
                throw fail(.retryable, error.description)
            }
            print("installed \(path); oauthtop serve runs now and at every login (oauthtop service status)")
        }
    }

    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop and disable the service, remove its unit file.")

        @Flag(help: "Print what would be run and removed on stderr; change nothing.")
        var dryRun = false

        func run() throws {
            let systemd = SystemdUser()
            let path = systemd.unitPath
            guard FileManager.default.fileExists(atPath: path) else {
                printError("not installed: there is no \(path)")
                return
            }
            if dryRun {
                printError("would run: systemctl --user disable --now \(ServiceUnit.name)")
                printError("would remove \(path)")
                printError("would run: systemctl --user daemon-reload")
                return
            }
            if let reason = systemd.unavailable() {
                throw fail(
                    .retryable,
                    "no systemd user manager here (\(reason)); run this instead: rm -f \(ShellWords.quote(path))"
                )
            }
            do throws(ServiceError) {
                try systemd.require(
                    ["disable", "--now", ServiceUnit.name], otherwise: "the unit is still at \(path)")
                do {
                    try FileManager.default.removeItem(atPath: path)
                } catch {
                    throw ServiceError("cannot remove \(path): \(error.localizedDescription)")
                }
                try systemd.require(["daemon-reload"], otherwise: "the unit file is gone already")
            } catch {
                throw fail(.retryable, error.description)
            }
            print("removed \(path); the service is stopped and disabled")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say whether the service runs, and the health counts from the store.",
            discussion: "Exit 0 when the service is active, 1 when it is not (or there is no systemd user manager).")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Print one JSON object (keys: service, servers).")
        var json = false

        func run() async throws {
            let runtime = try Runtime.open(global)
            let statuses = try await storedStatuses(runtime)
            let report = ServiceStatus(service: ServiceState.read(SystemdUser()), servers: HealthCounts(statuses))
            if json {
                print(try report.json())
            } else {
                print(TerminalText.safe(report.text))
            }
            if report.service.activeState != "active" { throw ExitCode(Exit.retryable.rawValue) }
        }
    }
}

/// The absolute paths a unit names: this binary, the config file and the state folder (from the options).
struct ServiceFiles {
    var binary: String
    var config: String
    var stateDirectory: String

    /// Also checks that the config parses: a unit over a broken config would only restart and fail.
    init(_ options: GlobalOptions) throws {
        let paths = Paths(options)
        binary = Self.currentExecutable()
        config = Self.absolute(paths.config)
        stateDirectory = Self.absolute(paths.stateDirectory)
        do {
            _ = try ConfigLoader(path: config).load()
        } catch {
            throw fail(.usage, error.description)
        }
    }

    static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? absolute(CommandLine.arguments[0])
    }

    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: full).standardizedFileURL.path
    }
}

/// What systemd says about the unit.
struct ServiceState: Equatable, Encodable {
    var unitFile: String
    var installed: Bool
    /// `active`, `inactive`, `failed`, …; `unknown` without a user manager.
    var activeState: String
    var mainPID: Int?
    var since: String?
    /// Why there is no user manager, when there is none.
    var problem: String?

    enum CodingKeys: String, CodingKey {
        case unitFile = "unit_file", installed, activeState = "active_state", mainPID = "main_pid", since, problem
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(unitFile, forKey: .unitFile)
        try container.encode(installed, forKey: .installed)
        try container.encode(activeState, forKey: .activeState)
        try container.encode(mainPID, forKey: .mainPID)
        try container.encode(since, forKey: .since)
        try container.encode(problem, forKey: .problem)
    }

    static func read(_ systemd: SystemdUser) -> ServiceState {
        let path = systemd.unitPath
        var state = ServiceState(
            unitFile: path, installed: FileManager.default.fileExists(atPath: path), activeState: "unknown")
        if let reason = systemd.unavailable() {
            state.problem = "no systemd user manager here (\(reason))"
            return state
        }
        // is-active prints the state and exits non-zero unless it is active.
        if let answer = try? systemd.run(["is-active", ServiceUnit.name]) {
            let word = answer.output.trimmingCharacters(in: .whitespacesAndNewlines)
            state.activeState = word.isEmpty ? "unknown" : word
        }
        if let answer = try? systemd.run(["show", ServiceUnit.name, "-p", "MainPID", "-p", "ActiveEnterTimestamp"]),
            answer.status == 0
        {
            for line in answer.output.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[1].isEmpty else { continue }
                if parts[0] == "MainPID", let pid = Int(parts[1]), pid > 0 { state.mainPID = pid }
                if parts[0] == "ActiveEnterTimestamp", state.activeState == "active" { state.since = parts[1] }
            }
        }
        return state
    }

    var text: String {
        if let problem { return "service: unknown: \(problem)" }
        guard installed || activeState == "active" else {
            return "service: not installed (oauthtop service install)"
        }
        var line = "service: \(activeState)"
        var facts: [String] = []
        if let mainPID, activeState == "active" { facts.append("pid \(mainPID)") }
        if let since { facts.append("since \(since)") }
        if !facts.isEmpty { line += " (" + facts.joined(separator: ", ") + ")" }
        return line + "; unit \(unitFile)"
    }
}

/// Servers per health level, and those that need a sign-in, as `list --check` counts them.
struct HealthCounts: Equatable, Encodable {
    var healthy = 0
    var degraded = 0
    var unhealthy = 0
    var signInNeeded: [String] = []

    enum CodingKeys: String, CodingKey {
        case healthy, degraded, unhealthy, signInNeeded = "sign_in_needed"
    }

    init(_ statuses: [ServerStatus]) {
        for status in statuses where status.facts.enabled {
            switch status.health.level {
            case .healthy: healthy += 1
            case .degraded: degraded += 1
            case .unhealthy: unhealthy += 1
            }
            if ListCheck.needsSignIn(status) { signInNeeded.append(status.name) }
        }
    }

    var text: String {
        var line = "servers: \(healthy) healthy, \(degraded) degraded, \(unhealthy) unhealthy"
        if !signInNeeded.isEmpty {
            line += "; \(signInNeeded.count) need a sign-in (\(signInNeeded.joined(separator: ", ")))"
        }
        return line
    }
}

/// `service status`: the service and the servers.
struct ServiceStatus: Encodable {
    var service: ServiceState
    var servers: HealthCounts

    var text: String { service.text + "\n" + servers.text }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
