import Foundation
import Health
import TokenStore

/// What the engine knows about one server at one moment: the value the dashboard, `list` and the metrics read.
/// It never holds a token.
public struct ServerStatus: Sendable, Equatable, Identifiable {
    public var name: String
    /// Grows with every change the engine publishes: of two statuses of one server, the larger is newer.
    public var version: UInt64
    public var url: String?
    /// The inputs of the health table; recompute `health` with a later `now` as time passes.
    public var facts: HealthFacts
    /// The health as of `observedAt`.
    public var health: HealthStatus
    public var observedAt: Date
    public var issuedAt: Date?
    public var scope: String?
    public var tokenEndpoint: String?
    public var lastAttemptAt: Date?
    public var lastResult: RefreshResult?
    public var lastRefreshAt: Date?
    /// Seconds the last successful refresh took.
    public var lastRefreshDuration: Double?
    /// While a browser sign-in runs: the authorization URL to open (it carries the sign-in's `state`: show it to
    /// the user, never log it).
    public var signInURL: String?
    /// While a device sign-in waits: the code to enter and where (`DeviceCodePrompt`).
    public var deviceCode: DeviceCodePrompt?
    /// When the last connection probe finished.
    public var probedAt: Date?
    /// Whether `refresh(name)` would try now (or at the end of the rate-limit window): the engine's own check, so
    /// readers need not repeat it.
    public var canRefresh: Bool

    public var id: String { name }
    public var refreshState: RefreshState { facts.refreshState }
    public var retryCount: Int { facts.retryCount }
    public var nextAttempt: Date? { facts.nextAttempt }
    public var expiresAt: Date? { facts.accessTokenExpiresAt }
    public var lastError: String? { facts.lastError }
    public var hasRefreshToken: Bool { facts.hasRefreshToken }

    public init(
        name: String, version: UInt64 = 0, url: String? = nil, facts: HealthFacts, health: HealthStatus,
        observedAt: Date,
        issuedAt: Date? = nil, scope: String? = nil, tokenEndpoint: String? = nil, lastAttemptAt: Date? = nil,
        lastResult: RefreshResult? = nil, lastRefreshAt: Date? = nil, lastRefreshDuration: Double? = nil,
        signInURL: String? = nil, deviceCode: DeviceCodePrompt? = nil, probedAt: Date? = nil, canRefresh: Bool = false
    ) {
        self.name = name
        self.version = version
        self.url = url
        self.facts = facts
        self.health = health
        self.observedAt = observedAt
        self.issuedAt = issuedAt
        self.scope = scope
        self.tokenEndpoint = tokenEndpoint
        self.lastAttemptAt = lastAttemptAt
        self.lastResult = lastResult
        self.lastRefreshAt = lastRefreshAt
        self.lastRefreshDuration = lastRefreshDuration
        self.signInURL = signInURL
        self.deviceCode = deviceCode
        self.probedAt = probedAt
        self.canRefresh = canRefresh
    }
}

extension ServerStatus {
    /// The status of a server as the store has it, for commands that read without running the engine (`list`).
    public static func stored(
        _ definition: ServerDefinition, session: StoredSession?, saved: StoredRefreshState?, policy: RefreshPolicy,
        now: Date
    ) -> ServerStatus {
        let record = ServerRecord.asStored(definition, session: session, saved: saved)
        let facts = record.facts()
        return ServerStatus(
            name: definition.name, url: definition.url, facts: facts,
            health: HealthCalculator(expiryWarning: policy.expiryWarning).evaluate(facts, now: now), observedAt: now,
            issuedAt: session?.issuedAt, scope: session?.scope, tokenEndpoint: record.client?.tokenEndpoint,
            lastAttemptAt: record.lastAttemptAt, lastResult: record.lastResult, lastRefreshAt: record.lastRefreshAt,
            lastRefreshDuration: record.lastRefreshDuration, probedAt: record.probedAt, canRefresh: record.canRefresh)
    }
}
