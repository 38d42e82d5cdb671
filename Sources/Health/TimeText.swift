import Foundation

/// The two ways the health strings write time: RFC 3339 instants and compact durations ("42m", "1h05m").
public enum TimeText {
    public static func rfc3339(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// Whole units, rounded down: `45s`, `12m`, `1h`, `1h05m`, `3d`, `3d4h`. Negative values count as zero.
    public static func compact(_ seconds: TimeInterval) -> String {
        let total = seconds.isFinite ? Int(max(0, min(seconds, 1e15))) : 0
        let minutes = total / 60, hours = total / 3600, days = total / 86_400
        switch total {
        case ..<60:
            return "\(total)s"
        case ..<3600:
            return "\(minutes)m"
        case ..<86_400:
            let rest = minutes % 60
            return rest == 0 ? "\(hours)h" : "\(hours)h" + (rest < 10 ? "0" : "") + "\(rest)m"
        default:
            let rest = hours % 24
            return rest == 0 ? "\(days)d" : "\(days)d\(rest)h"
        }
    }

    /// Two units, like kubectl's AGE column: `45s`, `4m12s`, `1h03m`, `3d4h`. Negative values count as zero.
    public static func twoUnits(_ seconds: TimeInterval) -> String {
        let total = seconds.isFinite ? Int(max(0, min(seconds, 1e15))) : 0
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        switch total {
        case ..<60: return "\(total)s"
        case ..<3600: return "\(total / 60)m\(pad(total % 60))s"
        case ..<86_400: return "\(total / 3600)h\(pad(total % 3600 / 60))m"
        default: return "\(total / 86_400)d\(total % 86_400 / 3600)h"
        }
    }

    /// `in 4m12s` for the future, `3m05s ago` for the past, `now` within a second.
    public static func relative(_ date: Date, now: Date) -> String {
        let delta = date.timeIntervalSince(now)
        if abs(delta) < 1 { return "now" }
        return delta > 0 ? "in \(twoUnits(delta))" : "\(twoUnits(-delta)) ago"
    }
}
