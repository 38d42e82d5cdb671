import Foundation

/// The user's systemd manager, reached through `systemctl --user` as found on `PATH` (the tests put a stand-in
/// there), and the folder it reads user units from.
struct SystemdUser {
    var environment: [String: String]
    /// `systemctl` on `PATH`, else `nil`.
    var systemctl: String?

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
        systemctl = Subprocess.find("systemctl", environment: environment)
    }

    /// `$XDG_CONFIG_HOME/systemd/user` (default `~/.config/systemd/user`).
    var unitDirectory: String {
        if let value = environment["XDG_CONFIG_HOME"], value.hasPrefix("/") { return value + "/systemd/user" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.config/systemd/user"
    }

    var unitPath: String { unitDirectory + "/" + ServiceUnit.name }

    /// Why there is no systemd user manager to talk to, or `nil` when one answers
    /// (`systemctl --user show-environment` succeeds).
    func unavailable() -> String? {
        guard let systemctl else { return "no systemctl on PATH" }
        guard let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty else {
            return "XDG_RUNTIME_DIR is not set, so there is no user session bus"
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: runtime, isDirectory: &isFolder), isFolder.boolValue else {
            return "XDG_RUNTIME_DIR (\(runtime)) is not a folder"
        }
        do {
            let answer = try Subprocess.run(systemctl, ["--user", "show-environment"])
            if answer.status != 0 {
                return "systemctl --user show-environment failed: \(answer.firstLine)"
            }
        } catch {
            return "cannot run \(systemctl): \(error.localizedDescription)"
        }
        return nil
    }

    /// `systemctl --user ARGUMENTS…`.
    func run(_ arguments: [String]) throws(ServiceError) -> Subprocess.Result {
        guard let systemctl else { throw ServiceError("no systemctl on PATH") }
        do {
            return try Subprocess.run(systemctl, ["--user"] + arguments)
        } catch {
            throw ServiceError("cannot run \(systemctl): \(error.localizedDescription)")
        }
    }

    /// `systemctl --user ARGUMENTS…`, which must succeed.
    func require(_ arguments: [String], otherwise advice: String) throws(ServiceError) {
        let answer = try run(arguments)
        guard answer.status == 0 else {
            throw ServiceError(
                "systemctl --user \(arguments.joined(separator: " ")) failed (exit \(answer.status)): "
                    + "\(answer.firstLine); \(advice)")
        }
    }
}

/// How to run `serve` without a service manager: one shell line, paths quoted for the shell.
enum ServeCommandLine {
    static func background(binary: String, config: String, stateDirectory: String) -> String {
        "nohup " + ShellWords.join([binary, "serve", "--config", config, "--state-dir", stateDirectory])
            + " >/dev/null 2>&1 &"
    }
}
