import Dashboard
import Foundation
import RefreshEngine

/// The engine as the dashboard sees it, scripted: statuses are published by the test, commands are recorded and
/// answered with fixed outcomes.
actor FakeEngine: DashboardEngine {
    nonisolated let statusBatches: AsyncStream<[ServerStatus]>
    nonisolated let expiryWarning: TimeInterval = 60
    private nonisolated let publisher: AsyncStream<[ServerStatus]>.Continuation
    private let initial: [ServerStatus]
    /// What the dashboard asked for, in order: `refresh alpha`, `logout alpha`, …
    private(set) var calls: [String] = [] {
        didSet { wakeWaiters() }
    }
    private var waiters: [(count: Int, continuation: CheckedContinuation<[String], Never>)] = []
    var refreshOutcome = RefreshOutcome.refreshed(expiresAt: Fixtures.at(3600))

    init(_ statuses: [ServerStatus]) {
        initial = statuses
        (statusBatches, publisher) = AsyncStream.makeStream(of: [ServerStatus].self)
    }

    /// One batch, as the engine's mailbox would hand it over.
    nonisolated func publish(_ batch: [ServerStatus]) { publisher.yield(batch) }

    func snapshot() -> [ServerStatus] { initial }

    func refresh(_ name: String) throws(EngineError) -> RefreshOutcome {
        calls.append("refresh \(name)")
        return refreshOutcome
    }

    func refreshAll() -> [String: RefreshOutcome] {
        calls.append("refreshAll")
        return Dictionary(uniqueKeysWithValues: initial.map { ($0.name, refreshOutcome) })
    }

    func login(_ name: String) throws(EngineError) -> LoginOutcome {
        calls.append("login \(name)")
        return .signedIn(expiresAt: Fixtures.at(3600))
    }

    func cancelLogin(_ name: String) -> Bool {
        calls.append("cancelLogin \(name)")
        return true
    }

    func logout(_ name: String) throws -> LogoutOutcome {
        calls.append("logout \(name)")
        return LogoutOutcome(hadSession: true, revocation: nil)
    }

    /// The calls once there are at least `count` of them (for commands whose answer never reaches the screen).
    func calls(atLeast count: Int) async -> [String] {
        if calls.count >= count { return calls }
        return await withCheckedContinuation { waiters.append((count, $0)) }
    }

    private func wakeWaiters() {
        let ready = waiters.filter { $0.count <= calls.count }
        waiters.removeAll { $0.count <= calls.count }
        for waiter in ready { waiter.continuation.resume(returning: calls) }
    }
}
