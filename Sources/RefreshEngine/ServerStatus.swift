import Foundation
import Health

/// What the engine knows about one server at one moment: the value the dashboard, `list` and the metrics read.
/// It never holds a token.
public struct ServerStatus: Sendable, Equatable, Identifiable {
    public var name: String
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

    public var id: String { name }
    public var refreshState: RefreshState { facts.refreshState }
    public var retryCount: Int { facts.retryCount }
    public var nextAttempt: Date? { facts.nextAttempt }
    public var expiresAt: Date? { facts.accessTokenExpiresAt }
    public var lastError: String? { facts.lastError }
    public var hasRefreshToken: Bool { facts.hasRefreshToken }

    public init(
        name: String, url: String? = nil, facts: HealthFacts, health: HealthStatus, observedAt: Date,
        issuedAt: Date? = nil, scope: String? = nil, tokenEndpoint: String? = nil, lastAttemptAt: Date? = nil,
        lastResult: RefreshResult? = nil, lastRefreshAt: Date? = nil, lastRefreshDuration: Double? = nil
    ) {
        self.name = name
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
    }
}
