import Foundation
import TokenStore

/// A `TokenStore` that passes every call to an `InMemoryTokenStore`, for tests that need a store of their own
/// shape: it has no `saveRefreshStates`, so the protocol's default (one save per server) runs;
/// `afterReadingSessions` runs between taking the `sessions()` snapshot and handing it over, as a slow read would;
/// `beforeCommit` may fail a commit; `beforeSavingState` may hold a bookkeeping save, as another writer holding the
/// store does.
public struct ForwardingStore: TokenStore {
    public let base: InMemoryTokenStore
    public var afterReadingSessions: @Sendable () async -> Void
    /// Runs before each `commit`; what it throws fails the commit (a full disk, a store held busy).
    public var beforeCommit: @Sendable () async throws -> Void
    public var beforeSavingState: @Sendable () async -> Void

    public init(
        _ base: InMemoryTokenStore, afterReadingSessions: @escaping @Sendable () async -> Void = {},
        beforeCommit: @escaping @Sendable () async throws -> Void = {},
        beforeSavingState: @escaping @Sendable () async -> Void = {}
    ) {
        self.base = base
        self.afterReadingSessions = afterReadingSessions
        self.beforeCommit = beforeCommit
        self.beforeSavingState = beforeSavingState
    }

    public func sessions() async throws -> [StoredSession] {
        let snapshot = await base.sessions()
        await afterReadingSessions()
        return snapshot
    }
    public func session(for server: String) async throws -> StoredSession? { await base.session(for: server) }
    public func refreshStates() async throws -> [String: StoredRefreshState] { await base.refreshStates() }
    public func save(_ session: StoredSession) async throws { await base.save(session) }
    public func deleteSession(for server: String) async throws { await base.deleteSession(for: server) }
    public func saveRefreshState(_ state: StoredRefreshState, for server: String) async throws {
        await beforeSavingState()
        await base.saveRefreshState(state, for: server)
    }
    public func acquireLease(for server: String, owner: String, until: Date, now: Date) async throws -> LeaseOutcome {
        await base.acquireLease(for: server, owner: owner, until: until, now: now)
    }
    public func commit(
        _ session: StoredSession, state: StoredRefreshState?, releasingLeaseOf owner: String, replacing: String?
    ) async throws -> CommitOutcome {
        try await beforeCommit()
        return await base.commit(session, state: state, releasingLeaseOf: owner, replacing: replacing)
    }
    public func releaseLease(for server: String, owner: String) async throws {
        await base.releaseLease(for: server, owner: owner)
    }
}
