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
