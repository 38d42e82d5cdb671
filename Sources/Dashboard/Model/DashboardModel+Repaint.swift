import Foundation

extension DashboardModel {
    /// The next moment at which the frame would change without any event: a countdown on screen ticking (at most
    /// once a second), the header clock's minute, a flash running out, or a server's level changing as a token
    /// expires. Nothing shown on screen counts down → this is the next minute.
    public func nextRepaint(after now: Date) -> Date {
        let t = now.timeIntervalSince1970
        var next = ((t / 60).rounded(.down) + 1) * 60
        if let flash, flash.until > now { next = min(next, flash.until.timeIntervalSince1970) }
        func consider(_ date: Date?) {
            guard let date else { return }
            next = min(next, RelativeTime.nextChange(of: date, now: now).timeIntervalSince1970)
        }
        for name in onScreen {
            guard let status = statuses[name] else { continue }
            consider(status.expiresAt)
            consider(status.nextAttempt)
        }
        if let name = detailOnScreen, let status = statuses[name] {
            consider(status.lastRefreshAt)
        }
        // Off-screen rows still count in the header: their level changes when a token expires or enters the
        // expiry warning.
        for status in statuses.values {
            guard let expiry = status.expiresAt else { continue }
            if expiry > now { next = min(next, expiry.timeIntervalSince1970) }
            let warning = expiry.addingTimeInterval(-calculator.expiryWarning)
            if !status.hasRefreshToken, warning > now { next = min(next, warning.timeIntervalSince1970) }
        }
        // A second-by-second countdown repaints on whole seconds: one tick a second, however many rows count.
        if next - t < 1 { next = (t.rounded(.down) + 1) }
        return Date(timeIntervalSince1970: next)
    }
}
