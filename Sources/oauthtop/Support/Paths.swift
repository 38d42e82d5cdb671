import Foundation

/// The files oauthtop reads and writes (DESIGN.md section 4).
struct Paths {
    var config: String
    var stateDirectory: String

    var store: String { stateDirectory + "/oauthtop.sqlite" }
    var log: String { stateDirectory + "/oauthtop.log" }

    init(_ options: GlobalOptions, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let home = environment["HOME"] ?? NSHomeDirectory()
        func xdg(_ variable: String, _ fallback: String) -> String {
            if let value = environment[variable], value.hasPrefix("/") { return value }
            return home + "/" + fallback
        }
        config =
            options.config ?? environment["OAUTHTOP_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
            ?? xdg("XDG_CONFIG_HOME", ".config") + "/oauthtop/config.json"
        stateDirectory =
            options.stateDir ?? environment["OAUTHTOP_STATE_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? xdg("XDG_STATE_HOME", ".local/state") + "/oauthtop"
    }
}
