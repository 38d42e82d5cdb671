import Foundation

/// The local clock against the providers' `Date` headers. Refresh times are computed from the local clock and
/// expiry times from the providers': a clock minutes off refreshes too late (tokens expire in use) or too early.
struct ClockCheck {
    /// A `Date` header has whole seconds and the request takes time: within this, the clocks agree.
    static let tolerance: TimeInterval = 30

    /// `samples`: (provider host, its Date header, the local time halfway through the request).
    static func verdict(_ samples: [(host: String, server: Date, local: Date)]) -> Finding {
        guard !samples.isEmpty else {
            return .skip("clock", "no provider answered with a Date header to compare with")
        }
        let worst = samples.max {
            abs($0.local.timeIntervalSince($0.server)) < abs($1.local.timeIntervalSince($1.server))
        }!
        let offset = worst.local.timeIntervalSince(worst.server)
        let text = "\(Int(abs(offset).rounded())) s \(offset > 0 ? "ahead of" : "behind") \(worst.host)"
        if abs(offset) <= tolerance {
            return .ok(
                "clock",
                "agrees with \(samples.count == 1 ? worst.host : "\(samples.count) providers") (at most \(text))")
        }
        return .fail(
            "clock",
            "this machine's clock is \(text): tokens will be refreshed at the wrong time; turn on time "
                + "synchronisation (timedatectl set-ntp true)")
    }
}
