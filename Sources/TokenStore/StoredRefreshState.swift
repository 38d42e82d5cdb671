import Foundation

/// The refresh bookkeeping of one server, kept so that `list` and a restart see what the engine saw.
public struct StoredRefreshState: Sendable, Equatable, Codable {
    /// A `RefreshState` raw value (`scheduled`, `retrying`, `failed`, ...).
    public var state: String
    public var retryCount: Int
    public var nextAttempt: Date?
    public var lastError: String?
    /// The metric `result` label of the last attempt (`success`, `failed_invalid_grant`, ...).
    public var lastResult: String?
    /// The last time a request went to the token endpoint, for the rate limit across restarts.
    public var lastAttemptAt: Date?
    public var lastRefreshAt: Date?
    /// Seconds the last successful refresh took.
    public var lastRefreshDuration: Double?
    /// The last connection probe: `connected` or `unreachable` (with `probeSummary` and `probeDetail`); `nil`
    /// when none ran for the current token.
    public var probe: String?
    public var probeSummary: String?
    public var probeDetail: String?
    public var probedAt: Date?
    /// The MCP server answered 401 to a token refreshed moments before: its `WWW-Authenticate` error.
    public var rejectedByServer: String?

    public init(
        state: String, retryCount: Int = 0, nextAttempt: Date? = nil, lastError: String? = nil,
        lastResult: String? = nil, lastAttemptAt: Date? = nil, lastRefreshAt: Date? = nil,
        lastRefreshDuration: Double? = nil, probe: String? = nil, probeSummary: String? = nil,
        probeDetail: String? = nil, probedAt: Date? = nil, rejectedByServer: String? = nil
    ) {
        self.state = state
        self.retryCount = retryCount
        self.nextAttempt = nextAttempt
        self.lastError = lastError
        self.lastResult = lastResult
        self.lastAttemptAt = lastAttemptAt
        self.lastRefreshAt = lastRefreshAt
        self.lastRefreshDuration = lastRefreshDuration
        self.probe = probe
        self.probeSummary = probeSummary
        self.probeDetail = probeDetail
        self.probedAt = probedAt
        self.rejectedByServer = rejectedByServer
    }
}
