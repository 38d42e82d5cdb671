import Synchronization

/// The queue behind one status subscription. It holds at most one status per server: a newer status replaces a
/// pending one in place, so a slow reader sees the latest state of every server and memory stays bounded by
/// the number of servers, however fast the engine publishes.
final class StatusMailbox: Sendable {
    private struct State {
        var pending: [String: ServerStatus] = [:]
        var order: [String] = []
        var head = 0
        var waiter: CheckedContinuation<ServerStatus?, Never>?
        var finished = false

        mutating func popFirst() -> ServerStatus? {
            while head < order.count {
                let name = order[head]
                head += 1
                if let status = pending.removeValue(forKey: name) {
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
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            if state.pending.updateValue(status, forKey: status.name) == nil {
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

    func finish() {
        let waiter = state.withLock { state in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }
}

/// Fans statuses out to every subscriber's mailbox and remembers the latest one per server, so a new subscriber
/// starts with the whole picture.
final class StatusBroadcaster: Sendable {
    private final class WeakMailbox: Sendable {
        weak let mailbox: StatusMailbox?
        init(_ mailbox: StatusMailbox) { self.mailbox = mailbox }
    }

    private struct State {
        var latest: [String: ServerStatus] = [:]
        var order: [String] = []
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
            if state.latest.updateValue(status, forKey: status.name) == nil {
                state.order.append(status.name)
            }
            state.subscribers.removeAll { $0.mailbox == nil }
            return state.subscribers.compactMap(\.mailbox)
        }
        for mailbox in mailboxes { mailbox.put(status) }
    }

    func subscribe() -> AsyncStream<ServerStatus> {
        let mailbox = StatusMailbox()
        state.withLock { state in
            for name in state.order {
                if let status = state.latest[name] { mailbox.put(status) }
            }
            if state.finished {
                mailbox.finish()
            } else {
                state.subscribers.append(WeakMailbox(mailbox))
            }
        }
        return AsyncStream(unfolding: { await mailbox.take() }, onCancel: { mailbox.finish() })
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
