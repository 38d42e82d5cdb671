import Foundation

/// Durable home of sessions, refresh bookkeeping and refresh leases. The engine reaches storage only through this.
public protocol TokenStore: Sendable {
    func sessions() async throws -> [StoredSession]
    func session(for server: String) async throws -> StoredSession?
    func refreshStates() async throws -> [String: StoredRefreshState]

    /// Stores the session and returns once it is durable.
    func save(_ session: StoredSession) async throws
    func deleteSession(for server: String) async throws
    func saveRefreshState(_ state: StoredRefreshState, for server: String) async throws
    /// Saves the refresh state of many servers (keyed by server name) at once, as at startup; a store that can
    /// writes them in one transaction.
    func saveRefreshStates(_ states: [String: StoredRefreshState]) async throws

    /// Takes the refresh lease of `server` for `owner`, unless another owner holds it, and reads the stored session
    /// under it. The SQLite store's leases are `flock`s (held until given back or their process ends; `until` is
    /// where a `held` answer says to look again); the in-memory store's end at `until`.
    func acquireLease(for server: String, owner: String, until: Date, now: Date) async throws -> LeaseOutcome
    /// Stores the refreshed session (and the server's refresh state, when given) and gives the lease back, in one
    /// durable step, unless the session was deleted meanwhile (a logout wins over a refresh that ends after it).
    /// The tokens are stored whoever holds the lease: they may be the only copy of a rotated refresh token.
    /// `replacing`: the refresh token the refresh sent; when the stored session has another one (a sign-in or an
    /// import replaced it meanwhile, in any process), the newer session stays and `superseded` says so.
    @discardableResult
    func commit(
        _ session: StoredSession, state: StoredRefreshState?, releasingLeaseOf owner: String, replacing: String?
    ) async throws -> CommitOutcome
    func releaseLease(for server: String, owner: String) async throws
}

extension TokenStore {
    /// `commit(_:state:releasingLeaseOf:)` without a refresh state.
    @discardableResult
    public func commit(_ session: StoredSession, releasingLeaseOf owner: String) async throws -> CommitOutcome {
        try await commit(session, state: nil, releasingLeaseOf: owner, replacing: nil)
    }

    /// One `saveRefreshState` per server.
    public func saveRefreshStates(_ states: [String: StoredRefreshState]) async throws {
        for (server, state) in states {
            try await saveRefreshState(state, for: server)
        }
    }
}
