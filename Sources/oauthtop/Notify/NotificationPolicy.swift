import Health
import RefreshEngine

/// Which desktop notifications to send as statuses arrive: one when a server newly needs the user (its health's
/// action turns to `login`), then none for that server until it has recovered (an action other than `login`
/// while no browser sign-in runs) and needs the user again.
///
/// A server that already needs a sign-in in the first status seen (at startup) is told about once too: the
/// user may not know yet. A browser sign-in running ("Waiting for browser sign-in") is neither recovery nor
/// need: one that fails or is cancelled does not notify again.
struct NotificationPolicy: Sendable {
    struct Notification: Sendable, Equatable {
        var server: String
        var title: String
        var body: String

        /// The server's name and the health summary, made safe as the command line prints text; never a token
        /// (statuses hold none), never the detail (it may quote a provider's answer).
        init(server: String, summary: String) {
            self.server = server
            title = TerminalText.safe("oauthtop: \(server) needs you")
            body = TerminalText.safe("\(summary) — run: oauthtop login \(server)")
        }
    }

    /// Servers the user was told about that have not recovered since.
    private(set) var told: Set<String> = []

    mutating func observe(server: String, health: HealthStatus, signingIn: Bool) -> Notification? {
        if health.action == .login {
            guard told.insert(server).inserted else { return nil }
            return Notification(server: server, summary: health.summary)
        }
        if !signingIn { told.remove(server) }
        return nil
    }

    /// The notifications for a batch of statuses, in the batch's order.
    mutating func observe(_ batch: [ServerStatus]) -> [Notification] {
        batch.compactMap { status in
            observe(server: status.name, health: status.health, signingIn: status.refreshState == .signingIn)
        }
    }
}
