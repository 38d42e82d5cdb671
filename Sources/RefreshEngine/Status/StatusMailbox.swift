import Synchronization

/// The queue behind one status subscription. It holds at most one status per server: a newer status replaces a
/// pending one in place, so a slow reader sees the latest state of every server and memory stays bounded by
/// the number of servers, however fast the engine publishes. Statuses older than what is pending or was already
/// delivered for that server (by `version`) are dropped, so the starting snapshot can never overwrite news.
final class StatusMailbox: Sendable {
    private struct State {
        var pending: [String: ServerStatus] = [:]
        var delivered: [String: UInt64] = [:]
        var order: [String] = []
        var head = 0
        var waiter: CheckedContinuation<ServerStatus?, Never>?
        var finished = false

        mutating func popFirst() -> ServerStatus? {
            while head < order.count {
                let name = order[head]
                head += 1
                if let status = pending.removeValue(forKey: name) {
                    delivered[name] = status.version
                    if head > 1024, head * 2 > order.count {
                        order.removeFirst(head)
                        head = 0
                    }
                    return status
                }
            }
            order.removeAll(keepingCapacity: true)
            head = 0
            return nil
        }
    }

    private let state = Mutex(State())

    /// Statuses waiting to be read; never more than the number of servers.
    var pendingCount: Int { state.withLock { $0.pending.count } }

    func put(_ status: ServerStatus) {
        let waiter: CheckedContinuation<ServerStatus?, Never>? = state.withLock { state in
            guard !state.finished else { return nil }
            if let seen = state.delivered[status.name], status.version <= seen { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                state.delivered[status.name] = status.version
                return waiter
            }
            if let pending = state.pending[status.name] {
                if status.version >= pending.version { state.pending[status.name] = status }
            } else {
                state.pending[status.name] = status
                state.order.append(status.name)
            }
            return nil
        }
        waiter?.resume(returning: status)
    }

    /// The oldest pending server's latest status; waits when nothing is pending; `nil` once finished.
    func take() async -> ServerStatus? {
        await withCheckedContinuation { (continuation: CheckedContinuation<ServerStatus?, Never>) in
            let ready: ServerStatus?? = state.withLock { state in
                if let status = state.popFirst() { return .some(status) }
                if state.finished { return .some(nil) }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Everything pending, oldest server first; waits when nothing is pending; `nil` once finished. A reader that
    /// takes batches sees each server at most once per batch, however many statuses the engine published.
    func takeBatch() async -> [ServerStatus]? {
        guard let first = await take() else { return nil }
        return state.withLock { state in
            var batch = [first]
            while let status = state.popFirst() { batch.append(status) }
            return batch
        }
    }

    func finish() {
        let waiter = state.withLock { state in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }
}

/// Fans statuses out to every subscriber's mailbox. It keeps no statuses itself: a new subscriber's first
/// statuses come from the engine's snapshot.
final class StatusBroadcaster: Sendable {
    private final class WeakMailbox: Sendable {
        weak let mailbox: StatusMailbox?
        init(_ mailbox: StatusMailbox) { self.mailbox = mailbox }
    }

    private struct State {
        var subscribers: [WeakMailbox] = []
        var finished = false
    }

    private let state = Mutex(State())

    /// Live subscriptions (a dropped stream frees its mailbox).
    var subscriberCount: Int {
        state.withLock { state in state.subscribers.filter { $0.mailbox != nil }.count }
    }

    func publish(_ status: ServerStatus) {
        let mailboxes: [StatusMailbox] = state.withLock { state in
            state.subscribers.removeAll { $0.mailbox == nil }
            return state.subscribers.compactMap(\.mailbox)
        }
        for mailbox in mailboxes { mailbox.put(status) }
    }

    /// A new subscription; fill its mailbox with the current statuses after registering it. The stream ends (and
    /// frees the mailbox) when its reader is cancelled or drops it.
    func subscribe() -> StatusMailbox {
        let mailbox = StatusMailbox()
        state.withLock { state in
            if state.finished {
                mailbox.finish()
            } else {
                state.subscribers.append(WeakMailbox(mailbox))
            }
        }
        return mailbox
    }

    /// Ends every subscription after what is pending has been read.
    func finish() {
        let mailboxes = state.withLock { state in
            state.finished = true
            defer { state.subscribers.removeAll() }
            return state.subscribers.compactMap(\.mailbox)
        }
        for mailbox in mailboxes { mailbox.finish() }
    }
}
