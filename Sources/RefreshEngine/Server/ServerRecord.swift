import Foundation
import Health
import TokenStore

/// The engine's bookkeeping for one server.
///
/// Its fields change only in its transitions, the mutating methods in the `ServerRecord+*.swift` files, one per
/// path (schedule, refresh, session, sign-in, probe). Each returns the `Effects` the actor must carry out; the
/// actor never edits a field itself. Tests drive the transitions as plain functions (ServerRecordTests).
struct ServerRecord {
    let definition: ServerDefinition
    var name: String { definition.name }

    // The session and the refresh machinery.
    var session: StoredSession?
    /// New tokens that the store refused to save; kept in memory so they are not lost.
    var sessionUnsaved = false
    var state: RefreshState = .idle
    var retryCount = 0
    var lastError: String?
    var lastResult: RefreshResult?
    /// The refresh token's own known expiry has passed: shown as "Refresh token expired".
    var refreshTokenDead = false
    var lastAttemptAt: Date?
    var lastRefreshAt: Date?
    var lastRefreshDuration: Double?

    // When the queue next looks at this server, and why.
    var refreshSchedule = Schedule()
    /// Why the pending refresh deadline was set; logged with the attempt.
    var trigger: Trigger = .timer
    /// The user (or a 401 from the server) asked for a refresh that the rate limit pushed back; it runs even in
    /// `failed`.
    var forcePending = false
    /// Due, and waiting for a free refresh slot.
    var waitingForSlot = false
    /// The running attempt; every caller until it ends shares it.
    var inFlight: Task<RefreshOutcome, Never>?

    // The connection probe.
    var probeSchedule = Schedule()
    var probing = false
    var probe: ProbeOutcome?
    var probedAt: Date?
    /// The MCP server refused a freshly issued token: its `WWW-Authenticate` error.
    var rejectedByServer: String?
    /// The stored session was issued for this other MCP URL, so it is not used (`StoredSession.belongs(to:)`).
    var sessionIssuedFor: String?

    // A running sign-in.
    /// The running sign-in, for `cancelLogin`.
    var signInTask: Task<StoredSession, any Error>?
    /// The authorization URL of the running sign-in (it carries the state; shown, never logged).
    var signInURL: URL?
    /// While a device sign-in waits: the code the person must enter, and where.
    var deviceCode: DeviceCodePrompt?
    /// A sign-in has its new session and is storing it: no refresh of the old one may start (its commit would land
    /// after the new session and replace it).
    var holdRefreshes = false
    var signInHost: String?

    init(definition: ServerDefinition) {
        self.definition = definition
    }
}

// MARK: What the record says

extension ServerRecord {
    /// The refresh deadline, when one is pending.
    var deadline: Date? { refreshSchedule.due }

    /// Shown as "next attempt": only while a refresh is actually planned.
    var nextAttempt: Date? {
        state == .scheduled || state == .retrying ? deadline : nil
    }

    var client: ClientRegistration? { session?.client ?? definition.client }

    /// Servers the engine leaves alone.
    var isInactive: Bool {
        !definition.enabled || definition.configurationError != nil || state == .loggedOut || holdRefreshes
    }

    /// Nothing this engine does will bring the server back: it has no session, or one that cannot be refreshed
    /// (failed for good, logged out, refresh token dead), and no sign-in of ours runs. Another process's sign-in
    /// or import can.
    var awaitsSessionFromElsewhere: Bool {
        definition.enabled && definition.configurationError == nil && !isSigningIn
            && (session == nil || state == .failed || state == .loggedOut || refreshTokenDead)
    }

    /// A sign-in runs (`login`); the refresh state goes on beside it, so the old session is refreshed meanwhile.
    var isSigningIn: Bool { signInTask != nil }

    /// A refresh is running or about to (it holds or waits for a slot).
    var isRefreshing: Bool { inFlight != nil || waitingForSlot }

    /// Whether a forced refresh can run (now or at the end of the rate-limit window).
    var canRefresh: Bool {
        definition.enabled && definition.configurationError == nil && state != .loggedOut && !holdRefreshes
            && session?.refreshToken != nil
    }

    /// Why a forced refresh cannot run, if it cannot.
    func refusal() -> EngineError? {
        if !definition.enabled { return .disabled(name) }
        if let problem = definition.configurationError { return .misconfigured(name, problem) }
        if state == .loggedOut { return .loggedOut(name) }
        if holdRefreshes { return .signInRunning(name) }
        if session == nil { return .signInRequired(name) }
        return nil
    }

    func facts() -> HealthFacts {
        HealthFacts(
            enabled: definition.enabled,
            configurationError: definition.configurationError,
            signInHost: signInHost,
            hasSession: session != nil,
            accessTokenExpiresAt: session?.expiresAt,
            hasRefreshToken: session?.refreshToken != nil,
            refreshState: isSigningIn ? .signingIn : state,
            retryCount: retryCount,
            nextAttempt: nextAttempt,
            lastError: lastError,
            failedWithInvalidGrant: lastResult == .failedInvalidGrant || refreshTokenDead,
            rejectedByServer: rejectedByServer,
            probe: probe,
            sessionIssuedFor: session == nil ? sessionIssuedFor : nil
        )
    }

    func storedState() -> StoredRefreshState {
        StoredRefreshState(
            state: state.rawValue, retryCount: retryCount, nextAttempt: nextAttempt, lastError: lastError,
            lastResult: lastResult?.rawValue, lastAttemptAt: lastAttemptAt, lastRefreshAt: lastRefreshAt,
            lastRefreshDuration: lastRefreshDuration, probe: probe?.storedName, probeSummary: probe?.storedSummary,
            probeDetail: probe?.storedDetail, probedAt: probedAt, rejectedByServer: rejectedByServer)
    }
}

extension ProbeOutcome {
    /// The `probe` column: `connected`, `unreachable` or `insufficient_scope` (the scope in `probe_summary`).
    var storedName: String {
        switch self {
        case .connected: "connected"
        case .unreachable: "unreachable"
        case .insufficientScope: "insufficient_scope"
        }
    }

    var storedSummary: String? {
        switch self {
        case .connected: nil
        case .unreachable(let summary, _): summary
        case .insufficientScope(let scope, _): scope
        }
    }

    var storedDetail: String? {
        switch self {
        case .connected: nil
        case .unreachable(_, let detail), .insufficientScope(_, let detail): detail
        }
    }

    init?(stored name: String?, summary: String?, detail: String?) {
        switch name {
        case "connected": self = .connected
        case "unreachable": self = .unreachable(summary: summary ?? "Unreachable", detail: detail ?? "")
        case "insufficient_scope": self = .insufficientScope(scope: summary ?? "", detail: detail ?? "")
        default: return nil
        }
    }
}
