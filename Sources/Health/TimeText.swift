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
}
