import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Who holds a refresh lease: `pid-<pid>-<random> start=<ticks> boot=<boot id>`. The process's start time (in
/// clock ticks since boot, from `/proc/<pid>/stat`) and the machine's boot id let another process on the same
/// machine tell that the holder no longer runs, even when its pid has been reused, so that a lease left by a
/// process killed mid-refresh is free at once instead of after `request_timeout` + 5 s: by then a provider's grace
/// window for the rotated-out refresh token (Okta, Auth0: seconds) has passed and the whole family is revoked.
/// Owners without these fields (older versions, tests) are taken as alive until their lease expires.
public enum LeaseOwner {
    /// The owner string of this process, with `tag` (unique per engine) after the pid.
    public static func current(tag: String = String(UUID().uuidString.prefix(8))) -> String {
        let pid = getpid()
        var owner = "pid-\(pid)-\(tag)"
        if let start = startTime(of: pid), let boot = bootID { owner += " start=\(start) boot=\(boot)" }
        return owner
    }

    /// True only when `owner` names a process of this machine (same boot) that no longer runs: no such pid, or a
    /// pid now held by a process that started at another time.
    public static func isGone(_ owner: String) -> Bool {
        guard let holder = Holder(owner), let boot = bootID, holder.boot == boot else { return false }
        return startTime(of: holder.pid) != holder.start
    }

    /// True when `owner` is a process of this boot of this machine (whether or not it still runs).
    public static func isThisBoot(_ owner: String) -> Bool {
        guard let holder = Holder(owner), let boot = bootID else { return false }
        return holder.boot == boot
    }

    /// Seconds on `CLOCK_BOOTTIME`: shared by every process of this boot, counts sleep, never set.
    static func bootClock() -> Double? {
        var spec = timespec()
        guard clock_gettime(CLOCK_BOOTTIME, &spec) == 0 else { return nil }
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    private struct Holder {
        var pid: pid_t
        var start: UInt64
        var boot: String

        init?(_ owner: String) {
            let fields = owner.split(separator: " ")
            guard let first = fields.first, first.hasPrefix("pid-"),
                let pid = first.dropFirst(4).split(separator: "-").first.flatMap({ pid_t($0) })
            else { return nil }
            var values: [Substring: Substring] = [:]
            for field in fields.dropFirst() {
                let pair = field.split(separator: "=", maxSplits: 1)
                if pair.count == 2 { values[pair[0]] = pair[1] }
            }
            guard let start = values["start"].flatMap({ UInt64($0) }), let boot = values["boot"] else { return nil }
            self.pid = pid
            self.start = start
            self.boot = String(boot)
        }
    }

    /// This boot of this machine (`/proc/sys/kernel/random/boot_id`).
    static let bootID: String? = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))
        .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        .flatMap { $0.isEmpty ? nil : $0 }

    /// Field 22 of `/proc/<pid>/stat`; `nil` when no such process runs.
    static func startTime(of pid: pid_t) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // After the command name (which may hold spaces and parentheses): state is field 3, starttime field 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }
}
