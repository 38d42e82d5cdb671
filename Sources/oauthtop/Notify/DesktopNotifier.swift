import Foundation
import Logging
import RefreshEngine

/// Sends desktop notifications through `notify-send` (libnotify), started and never waited for.
struct DesktopNotifier: Sendable {
    var executable: String

    /// `notify-send` from `PATH`; `nil` (no notifications, silently) when there is none.
    static func find(environment: [String: String] = ProcessInfo.processInfo.environment) -> DesktopNotifier? {
        Subprocess.find("notify-send", environment: environment).map { DesktopNotifier(executable: $0) }
    }

    /// `notify-send --app-name=oauthtop TITLE BODY`; `false` when it could not be started.
    func send(_ notification: NotificationPolicy.Notification) -> Bool {
        Subprocess.spawnDetached(executable, ["--app-name=oauthtop", notification.title, notification.body]) != nil
    }

    /// Sends what `NotificationPolicy` decides for every batch of statuses, until the stream ends.
    func follow(_ batches: AsyncStream<[ServerStatus]>, logger: Logger) async {
        var policy = NotificationPolicy()
        for await batch in batches {
            for notification in policy.observe(batch) {
                let sent = send(notification)
                logger.info(
                    sent ? "Desktop notification sent" : "Desktop notification could not be sent",
                    metadata: ["server": "\(notification.server)", "notifier": "\(executable)"])
            }
        }
    }

    /// Follows `engine`'s statuses in a task of its own, when `enabled` and `notify-send` is on `PATH`. Start it
    /// after `engine.start()`, so that the first statuses are the stored sessions, not the empty ones before.
    static func start(following engine: RefreshEngine, enabled: Bool, logger: Logger) -> Task<Void, Never>? {
        guard enabled, let notifier = find() else { return nil }
        let batches = engine.statusBatches
        return Task { await notifier.follow(batches, logger: logger) }
    }
}
