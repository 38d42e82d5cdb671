import Foundation

/// A `TokenStore` that lives as long as the process: for tests, benchmarks and one-shot runs.
public actor InMemoryTokenStore: TokenStore {
    private var storedSessions: [String: StoredSession] = [:]
    private var states: [String: StoredRefreshState] = [:]
    private var leases: [String: (owner: String, until: Date)] = [:]
    private var discoveries: [String: StoredDiscovery] = [:]
    private var registrations: [StoredClientRegistration] = []

    public init(sessions: [StoredSession] = [], states: [String: StoredRefreshState] = [:]) {
        for session in sessions { storedSessions[session.server] = session }
        self.states = states
    }

    public func sessions() -> [StoredSession] { Array(storedSessions.values) }
    public func session(for server: String) -> StoredSession? { storedSessions[server] }
    public func refreshStates() -> [String: StoredRefreshState] { states }

    public func save(_ session: StoredSession) { storedSessions[session.server] = session }
    public func deleteSession(for server: String) {
        storedSessions[server] = nil
        leases[server] = nil
    }
    public func saveRefreshState(_ state: StoredRefreshState, for server: String) { states[server] = state }
    public func saveRefreshStates(_ states: [String: StoredRefreshState]) {
        self.states.merge(states) { _, new in new }
    }

    public func acquireLease(for server: String, owner: String, until: Date, now: Date) -> LeaseOutcome {
        if let lease = leases[server], lease.owner != owner, lease.until > now {
            return .held(by: lease.owner, until: lease.until)
        }
        leases[server] = (owner, until)
        return .acquired(storedSessions[server])
    }

    @discardableResult
    public func commit(_ session: StoredSession, state: StoredRefreshState?, releasingLeaseOf owner: String)
        -> CommitOutcome
    {
        commit(session, state: state, releasingLeaseOf: owner, replacing: nil)
    }

    @discardableResult
    public func commit(
        _ session: StoredSession, state: StoredRefreshState?, releasingLeaseOf owner: String, replacing: String?
    ) -> CommitOutcome {
        let held = leases[session.server]
        if held?.owner == owner { leases[session.server] = nil }
        guard let current = storedSessions[session.server] else { return .sessionGone }
        if let replacing, current.refreshToken != replacing { return .superseded(current) }
        storedSessions[session.server] = session
        if let state { saveRefreshState(state, for: session.server) }
        return .stored(leaseWasOurs: held == nil || held?.owner == owner)
    }

    public func releaseLease(for server: String, owner: String) {
        if leases[server]?.owner == owner { leases[server] = nil }
    }

    // MARK: SignInRecords

    public func discovery(for server: String) -> StoredDiscovery? { discoveries[server] }
    public func saveDiscovery(_ discovery: StoredDiscovery) { discoveries[discovery.server] = discovery }

    public func clientRegistrations(for server: String, issuer: String) -> [StoredClientRegistration] {
        registrations.filter { $0.server == server && $0.issuer == issuer }.sorted { $0.registeredAt > $1.registeredAt }
    }

    public func saveClientRegistration(_ registration: StoredClientRegistration) {
        deleteClientRegistration(
            server: registration.server, issuer: registration.issuer, redirectURI: registration.redirectURI)
        registrations.append(registration)
    }

    public func deleteClientRegistration(server: String, issuer: String, redirectURI: String) {
        registrations.removeAll { $0.server == server && $0.issuer == issuer && $0.redirectURI == redirectURI }
    }
}
