import Foundation
import Health
import TokenStore

/// Hands out a valid access token for one server, as `oauthtop token` and `oauthtop headers` do for every MCP
/// client: straight from the store while its proactive refresh time (DESIGN.md section 2) has not come, else
/// after a refresh through an engine under the cross-process lease, waiting out a deferral of up to `maxWait`.
public struct TokenIssuer: Sendable {
    /// Longest wait for a refresh that another process or the rate limit holds up.
    public static let maxWait: TimeInterval = 60
    /// A bound on the refreshes one call asks for while it waits.
    static let maxTries = 400

    public var store: any TokenStore
    /// Says when a token is due.
    public var policy: RefreshPolicy
    /// Reads the time and waits out deferrals.
    public var clock: any EngineClock
    /// An engine over `store` for the one server; made only when a refresh is needed.
    public var makeEngine: @Sendable (ServerDefinition) -> RefreshEngine

    public init(
        store: any TokenStore, policy: RefreshPolicy, clock: any EngineClock = SystemClock(),
        makeEngine: @escaping @Sendable (ServerDefinition) -> RefreshEngine
    ) {
        self.store = store
        self.policy = policy
        self.clock = clock
        self.makeEngine = makeEngine
    }

    /// Throws `TokenIssueError`; errors of the store and cancellation pass through unchanged.
    public func validSession(for server: ServerDefinition) async throws -> IssuedSession {
        let name = server.name
        guard let session = try await store.session(for: name) else {
            throw TokenIssueError.signInRequired(
                "no session for '\(name)'; sign in with: oauthtop login \(name)  "
                    + "(or: oauthtop import \(name) < token.json)")
        }
        guard session.belongs(to: server.url) else {
            throw TokenIssueError.signInRequired(
                "the session of '\(name)' was issued for \(session.serverURL ?? "another URL"), but the config now "
                    + "names \(server.url ?? "another URL"); its token is not sent there. Sign in again: "
                    + "oauthtop login \(name)")
        }
        let now = clock.now
        guard needsRefresh(session, now: now) else { return IssuedSession(session: session) }
        guard session.refreshToken != nil else {
            if isValid(session, now: now) { return IssuedSession(session: session) }
            throw TokenIssueError.signInRequired(
                "the token of '\(name)' expired and there is no refresh token; sign in again: oauthtop login \(name)")
        }
        return try await refresh(session, server: server)
    }

    /// Forced refreshes until one answers: a deferral (another process's lease, looked at again every
    /// `RefreshPolicy.leaseRecheck`; the rate limit) is waited out, for up to `maxWait` in all.
    private func refresh(_ session: StoredSession, server: ServerDefinition) async throws -> IssuedSession {
        let engine = makeEngine(server)
        try await engine.start()
        if let refused = try await refusedForGood(server.name, engine: engine, session: session) { return refused }
        let giveUpAt = clock.now.addingTimeInterval(Self.maxWait)
        var tries = 0
        while tries < 3 || (clock.now < giveUpAt && tries < Self.maxTries) {
            tries += 1
            let outcome: RefreshOutcome
            do {
                outcome = try await engine.refresh(server.name)
            } catch {
                throw TokenIssueError(error)
            }
            if let issued = try await answer(outcome, server: server.name, previous: session) { return issued }
        }
        throw TokenIssueError.retryable("'\(server.name)' is being refreshed by another process; try again shortly")
    }

    /// A refresh token the provider refused for good is not sent again: every MCP client calls `token`, and each
    /// call would present the dead token once more. A still-valid access token is handed out with a warning.
    private func refusedForGood(_ name: String, engine: RefreshEngine, session: StoredSession) async throws
        -> IssuedSession?
    {
        guard let status = try? await engine.status(of: name), status.refreshState == .failed else { return nil }
        let reason = status.lastError ?? "the refresh token was refused"
        guard isValid(session, now: clock.now) else {
            throw TokenIssueError.signInRequired(
                "cannot refresh '\(name)': \(reason); sign in again: oauthtop login \(name)")
        }
        return IssuedSession(
            session: session,
            warning: "the refresh token of '\(name)' was refused (\(reason)); this token is still valid until "
                + "\(session.expiresAt.map(TimeText.rfc3339) ?? "it expires"); sign in again: oauthtop login \(name)")
    }

    /// What one refresh came to: the session to hand out, `nil` after waiting out a deferral, or an error.
    private func answer(_ outcome: RefreshOutcome, server name: String, previous: StoredSession) async throws
        -> IssuedSession?
    {
        switch outcome {
        case .refreshed, .adopted:
            if let fresh = try await store.session(for: name) { return IssuedSession(session: fresh) }
            throw TokenIssueError.signInRequired(
                "the session of '\(name)' disappeared while refreshing; sign in again: oauthtop login \(name)")
        case .deferred(let until, let reason):
            // Another process may have refreshed meanwhile: its token is as good as ours.
            if let current = try await store.session(for: name), isValid(current, now: clock.now),
                current.accessToken != previous.accessToken || !needsRefresh(current, now: clock.now)
            {
                return IssuedSession(session: current)
            }
            let wait = until.timeIntervalSince(clock.now)
            guard wait <= Self.maxWait else { throw TokenIssueError.retryable("'\(name)': \(reason)") }
            if wait > 0 { try await clock.sleep(seconds: wait + 0.05) }
            return nil
        case .retrying(let error, let next):
            if let current = try await store.session(for: name), isValid(current, now: clock.now) {
                return IssuedSession(
                    session: current,
                    warning: "refresh of '\(name)' failed (\(error)); the current token is still valid; "
                        + "next attempt at \(TimeText.rfc3339(next))")
            }
            throw TokenIssueError.retryable(
                "refresh of '\(name)' failed: \(error); try again after \(TimeText.rfc3339(next))")
        case .failed(let error):
            throw TokenIssueError.signInRequired(
                "cannot refresh '\(name)': \(error); sign in again: oauthtop login \(name)")
        }
    }

    private func needsRefresh(_ session: StoredSession, now: Date) -> Bool {
        guard let due = policy.proactiveRefreshTime(issuedAt: session.issuedAt, expiresAt: session.expiresAt)
        else { return false }
        return due <= now
    }

    private func isValid(_ session: StoredSession, now: Date) -> Bool {
        session.expiresAt.map { $0 > now } ?? true
    }
}

/// A token `TokenIssuer` hands out.
public struct IssuedSession: Sendable, Equatable {
    public var session: StoredSession
    /// For the user, when a refresh failed but the current token is still valid; never holds a token.
    public var warning: String?

    public init(session: StoredSession, warning: String? = nil) {
        self.session = session
        self.warning = warning
    }
}
