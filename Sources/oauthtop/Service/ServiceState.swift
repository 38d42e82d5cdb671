import Foundation

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
