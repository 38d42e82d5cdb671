import Foundation

/// Short relative times in the style of kubectl's AGE column, computed from the `now` given to the renderer.
///
/// Countdowns (the future) are fine-grained while they are short: `45s`, `4m12s` (under 10 minutes), then `42m`,
/// `1h03m`, `3d4h`. Ages (the past) drop the seconds after the first minute: `45s`, `3m`, `1h03m`, `3d4h`.
public enum RelativeTime {
    /// `in 1m20s`; `now` when less than a second is left or the moment has passed.
    public static func countdown(to target: Date, now: Date) -> String {
        let delta = target.timeIntervalSince(now)
        return delta < 1 ? "now" : "in " + future(delta)
    }

    /// `in 42m` or `expired 3m ago`.
    public static func expiry(_ expiresAt: Date, now: Date) -> String {
        let delta = expiresAt.timeIntervalSince(now)
        return delta > 0 ? "in " + future(delta) : "expired " + past(-delta) + " ago"
    }

    /// `3m ago`.
    public static func ago(_ date: Date, now: Date) -> String {
        past(max(0, now.timeIntervalSince(date))) + " ago"
    }

    /// A duration still to come, rounded down.
    public static func future(_ seconds: TimeInterval) -> String {
        let total = whole(seconds)
        switch total {
        case ..<60: return "\(total)s"
        case ..<600: return "\(total / 60)m\(pad(total % 60))s"
        default: return coarse(total)
        }
    }

    /// A duration gone by, rounded down.
    public static func past(_ seconds: TimeInterval) -> String {
        let total = whole(seconds)
        return total < 60 ? "\(total)s" : coarse(total)
    }

    /// The smallest unit a countdown or age of `seconds` shows: the text can only change on its multiples.
    static func granularity(future seconds: TimeInterval) -> TimeInterval {
        seconds < 600 ? 1 : seconds < 86_400 ? 60 : 3600
    }

    static func granularity(past seconds: TimeInterval) -> TimeInterval {
        seconds < 60 ? 1 : seconds < 86_400 ? 60 : 3600
    }

    /// The first moment after `now` at which the text for `target` changes.
    static func nextChange(of target: Date, now: Date) -> Date {
        let delta = target.timeIntervalSince(now)
        if delta > 0 {
            let step = granularity(future: delta)
            // Rounded down, the text changes just after the remaining time drops below a multiple of the step.
            let wait = delta - (delta / step).rounded(.down) * step
            return now.addingTimeInterval(wait + 0.001)
        }
        let age = -delta
        let step = granularity(past: age)
        let wait = ((age / step).rounded(.down) + 1) * step - age
        return now.addingTimeInterval(max(wait, 0.001))
    }

    private static func coarse(_ total: Int) -> String {
        switch total {
        case ..<3600: return "\(total / 60)m"
        case ..<86_400: return "\(total / 3600)h\(pad(total % 3600 / 60))m"
        default: return "\(total / 86_400)d\(total % 86_400 / 3600)h"
        }
    }

    private static func whole(_ seconds: TimeInterval) -> Int {
        seconds.isFinite ? Int(max(0, min(seconds, 1e15)).rounded(.down)) : 0
    }

    private static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
