/// Does the systemd user service run `oauthtop serve`? Tokens are refreshed only while an oauthtop process runs;
/// without a user manager (a container, another init) there is nothing to ask, and the check is skipped.
enum ServiceCheck {
    static func verdict(_ state: ServiceState) -> Finding {
        if let problem = state.problem {
            return .skip("service", "\(problem); keep `oauthtop serve` running some other way")
        }
        if state.activeState == "active" {
            return .ok("service", "oauthtop.service is active" + (state.mainPID.map { " (pid \($0))" } ?? ""))
        }
        guard state.installed else {
            return .fail(
                "service",
                "not installed: tokens are refreshed only while an oauthtop process runs; run: oauthtop service install"
            )
        }
        return .fail(
            "service",
            "oauthtop.service is \(state.activeState); see why: journalctl --user -u oauthtop.service; then: "
                + "systemctl --user restart oauthtop.service")
    }
}
