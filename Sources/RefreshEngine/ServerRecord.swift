import Foundation
import Health
import TokenStore

/// The engine's private bookkeeping for one server.
struct ServerRecord {
    var definition: ServerDefinition
    var session: StoredSession?
    var state: RefreshState = .idle
    var retryCount = 0
    var lastError: String?
    var lastResult: RefreshResult?
    /// The refresh token's own known expiry has passed: shown as "Refresh token expired".
    var refreshTokenDead = false
    var lastAttemptAt: Date?
    var lastRefreshAt: Date?
    var lastRefreshDuration: Double?
    var signInHost: String?
    var rejectedByServer: String?
    var probe: ProbeOutcome?

    /// When the queue will next look at this server; `nil` when nothing is pending.
    var deadline: Date?
    /// Bumped whenever `deadline` changes, so older queue entries for this server are ignored.
    var generation: UInt64 = 0
    /// The user asked for a refresh that the rate limit pushed to `deadline`; it runs even in `failed`.
    var forcePending = false
    /// Waiting for a free refresh slot.
    var waitingForSlot = false
    var inFlight: Task<RefreshOutcome, Never>?
    /// New tokens that the store refused to save; kept in memory so they are not lost.
    var sessionUnsaved = false
    /// Why the pending deadline was set; logged with the attempt.
    var trigger: Trigger = .timer

    init(definition: ServerDefinition) {
        self.definition = definition
    }

    /// Shown as "next attempt": only while a refresh is actually planned.
    var nextAttempt: Date? {
        state == .scheduled || state == .retrying ? deadline : nil
    }

    var client: ClientRegistration? { session?.client ?? definition.client }

    /// Servers the engine leaves alone.
    var isInactive: Bool {
        !definition.enabled || definition.configurationError != nil || state == .loggedOut || state == .signingIn
    }

    func facts() -> HealthFacts {
        HealthFacts(
            enabled: definition.enabled,
            configurationError: definition.configurationError,
            signInHost: signInHost,
            hasSession: session != nil,
            accessTokenExpiresAt: session?.expiresAt,
            hasRefreshToken: session?.refreshToken != nil,
            refreshState: state,
            retryCount: retryCount,
            nextAttempt: nextAttempt,
            lastError: lastError,
            failedWithInvalidGrant: lastResult == .failedInvalidGrant || refreshTokenDead,
            rejectedByServer: rejectedByServer,
            probe: probe
        )
    }

    func storedState() -> StoredRefreshState {
        StoredRefreshState(
            state: state.rawValue, retryCount: retryCount, nextAttempt: nextAttempt, lastError: lastError,
            lastResult: lastResult?.rawValue, lastAttemptAt: lastAttemptAt, lastRefreshAt: lastRefreshAt,
            lastRefreshDuration: lastRefreshDuration)
    }

    /// Takes over what a previous run saved: the rate-limit clock always, and the states that must survive a
    /// restart (`failed`, `retrying`, `logged_out`).
    mutating func restore(_ saved: StoredRefreshState) {
        lastAttemptAt = saved.lastAttemptAt
        lastRefreshAt = saved.lastRefreshAt
        lastRefreshDuration = saved.lastRefreshDuration
        switch RefreshState(rawValue: saved.state) {
        case .loggedOut where session == nil:
            state = .loggedOut
        case .failed where session != nil, .retrying where session != nil:
            state = RefreshState(rawValue: saved.state)!
            retryCount = max(0, saved.retryCount)
            lastError = saved.lastError
            lastResult = saved.lastResult.flatMap(RefreshResult.init(rawValue:))
            deadline = state == .retrying ? saved.nextAttempt : nil
        default:
            break
        }
    }
}
