/// One line of `oauthtop doctor`: what was checked, whether it passed, and (when not) what to do.
struct Finding: Equatable {
    enum Verdict: String {
        case ok = "ok  "
        case fail = "FAIL"
        /// Could not be checked here (no systemd, nothing signed in yet): not a failure.
        case skip = "skip"
    }

    var verdict: Verdict
    var subject: String
    var text: String

    static func ok(_ subject: String, _ text: String) -> Finding { Finding(verdict: .ok, subject: subject, text: text) }
    static func fail(_ subject: String, _ text: String) -> Finding {
        Finding(verdict: .fail, subject: subject, text: text)
    }
    static func skip(_ subject: String, _ text: String) -> Finding {
        Finding(verdict: .skip, subject: subject, text: text)
    }

    var line: String { "\(verdict.rawValue)  \(subject): \(text)" }
}
