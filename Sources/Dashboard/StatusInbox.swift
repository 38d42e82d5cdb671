import RefreshEngine
import Synchronization

/// Engine statuses waiting for the main actor, at most one per server: a newer status replaces a pending one.
/// Only the first status after a drain rings the doorbell, so the event stream holds at most one
/// `.statuses` event however fast the engine publishes, and memory stays bounded by the number of servers.
final class StatusInbox: Sendable {
    private struct State {
        var pending: [String: ServerStatus] = [:]
        var rung = false
    }

    private let state = Mutex(State())
    private let doorbell: @Sendable () -> Void

    init(doorbell: @escaping @Sendable () -> Void) {
        self.doorbell = doorbell
    }

    func put(_ status: ServerStatus) {
        let ring = state.withLock { state in
            state.pending[status.name] = status
            defer { state.rung = true }
            return !state.rung
        }
        if ring { doorbell() }
    }

    /// Everything pending; the next `put` rings again.
    func takeAll() -> [ServerStatus] {
        state.withLock { state in
            state.rung = false
            defer { state.pending.removeAll(keepingCapacity: true) }
            return Array(state.pending.values)
        }
    }
}
