@testable import Dashboard

/// A screen that records what the loop paints and lets the test type keys. `text(where:)` waits for the first
/// painted frame that matches, so tests wait on what a user would see rather than on time.
@MainActor
final class FakeScreen: Screen {
    private struct Waiter {
        var id: Int
        var matches: (String) -> Bool
        var continuation: CheckedContinuation<String?, Never>
    }

    var size = (width: 110, height: 16)
    private(set) var paintCount = 0
    private(set) var lastText = ""
    private(set) var ended = false
    private var keys: [Key] = []
    private var post: (@Sendable (Event) -> Void)?
    private var waiters: [Waiter] = []
    private var nextWaiter = 0

    func startInput(_ post: @escaping @Sendable (Event) -> Void) { self.post = post }
    func inputDrained() {}
    func readKey() -> Key? { keys.isEmpty ? nil : keys.removeFirst() }
    func resized() {}
    func end() { ended = true }

    func paint(_ frame: Frame) {
        paintCount += 1
        lastText = frame.text.joined(separator: "\n")
        let ready = waiters.filter { $0.matches(lastText) }
        waiters.removeAll { waiter in ready.contains { $0.id == waiter.id } }
        for waiter in ready { waiter.continuation.resume(returning: lastText) }
    }

    /// Types `keys` as one burst of input.
    func type(_ keys: Key...) {
        self.keys += keys
        post?(.input(hangup: false))
    }

    func send(_ event: Event) { post?(event) }

    /// The first painted screen (this one or a later one) that `matches`; `nil` after `timeout` without one.
    func text(where matches: @escaping (String) -> Bool, timeout: Duration = .seconds(20)) async -> String? {
        if matches(lastText) { return lastText }
        let id = nextWaiter
        nextWaiter += 1
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.expire(id)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { waiters.append(Waiter(id: id, matches: matches, continuation: $0)) }
    }

    func text(containing needle: String) async -> String? { await text { $0.contains(needle) } }

    private func expire(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: nil)
    }
}
