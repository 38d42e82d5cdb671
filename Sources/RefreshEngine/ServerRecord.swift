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
    /// The authorization URL of the running sign-in (it carries the state; shown, never logged).
    var signInURL: URL?
    /// The running sign-in, for `cancelLogin`.
    var signInTask: Task<StoredSession, any Error>?
    var rejectedByServer: String?
    var probe: ProbeOutcome?
    var probedAt: Date?
    /// When the next connection probe is due; `nil` when none is planned.
    var probeDeadline: Date?
    /// Bumped whenever `probeDeadline` changes, so older probe entries in the queue are ignored.
    var probeGeneration: UInt64 = 0
    var probing = false

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

    /// Whether a forced refresh can run (now or at the end of the rate-limit window).
    var canRefresh: Bool {
        definition.enabled && definition.configurationError == nil && state != .loggedOut && state != .signingIn
            && session?.refreshToken != nil
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
            lastRefreshDuration: lastRefreshDuration, probe: probe?.storedName, probeSummary: probe?.storedSummary,
            probeDetail: probe?.storedDetail, probedAt: probedAt, rejectedByServer: rejectedByServer)
    }

    /// Takes over what a previous run saved: the rate-limit clock always, and the states that must survive a
    /// restart (`failed`, `retrying`, `logged_out`).
    mutating func restore(_ saved: StoredRefreshState) {
        lastAttemptAt = saved.lastAttemptAt
        lastRefreshAt = saved.lastRefreshAt
        lastRefreshDuration = saved.lastRefreshDuration
        if session != nil {
            probe = ProbeOutcome(stored: saved.probe, summary: saved.probeSummary, detail: saved.probeDetail)
            probedAt = saved.probedAt
            rejectedByServer = saved.rejectedByServer
        }
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

extension ProbeOutcome {
    /// The `probe` column: `connected` or `unreachable`.
    var storedName: String {
        switch self {
        case .connected: "connected"
        case .unreachable: "unreachable"
        }
    }

    var storedSummary: String? {
        if case .unreachable(let summary, _) = self { summary } else { nil }
    }

    var storedDetail: String? {
        if case .unreachable(_, let detail) = self { detail } else { nil }
    }

    init?(stored name: String?, summary: String?, detail: String?) {
        switch name {
        case "connected": self = .connected
        case "unreachable": self = .unreachable(summary: summary ?? "Unreachable", detail: detail ?? "")
        default: return nil
        }
    }
}
