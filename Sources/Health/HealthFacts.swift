import Foundation

/// Everything the health table looks at for one server. Plain values, so the calculator stays a pure function.
public struct HealthFacts: Sendable, Equatable, Codable {
    public var enabled: Bool
    /// A problem with this server's configuration, in words the user can act on.
    public var configurationError: String?
    /// Host of the authorization URL while a browser sign-in runs.
    public var signInHost: String?
    /// Tokens are stored for this server.
    public var hasSession: Bool
    /// `nil` when the provider gave no expiry.
    public var accessTokenExpiresAt: Date?
    public var hasRefreshToken: Bool
    public var refreshState: RefreshState
    /// Failed attempts since the last success.
    public var retryCount: Int
    public var nextAttempt: Date?
    public var lastError: String?
    /// The last failure was `invalid_grant`: the provider says the refresh token is dead.
    public var failedWithInvalidGrant: Bool
    /// The MCP server answered 401 to a token we had just refreshed: the `WWW-Authenticate` error.
    public var rejectedByServer: String?
    /// The last connection probe, if any ran.
    public var probe: ProbeOutcome?
    /// A stored session was issued for this MCP URL, not the one the config names now: it is not used.
    public var sessionIssuedFor: String?

    public init(
        enabled: Bool = true,
        configurationError: String? = nil,
        signInHost: String? = nil,
        hasSession: Bool = false,
        accessTokenExpiresAt: Date? = nil,
        hasRefreshToken: Bool = false,
        refreshState: RefreshState = .idle,
        retryCount: Int = 0,
        nextAttempt: Date? = nil,
        lastError: String? = nil,
        failedWithInvalidGrant: Bool = false,
        rejectedByServer: String? = nil,
        probe: ProbeOutcome? = nil,
        sessionIssuedFor: String? = nil
    ) {
        self.enabled = enabled
        self.configurationError = configurationError
        self.signInHost = signInHost
        self.hasSession = hasSession
        self.accessTokenExpiresAt = accessTokenExpiresAt
        self.hasRefreshToken = hasRefreshToken
        self.refreshState = refreshState
        self.retryCount = retryCount
        self.nextAttempt = nextAttempt
        self.lastError = lastError
        self.failedWithInvalidGrant = failedWithInvalidGrant
        self.rejectedByServer = rejectedByServer
        self.probe = probe
        self.sessionIssuedFor = sessionIssuedFor
    }
}

/// What the last MCP `initialize` probe with our bearer token found.
public enum ProbeOutcome: Sendable, Equatable, Codable {
    case connected
    /// The server could not be reached: a short error for the summary, the full one for the detail.
    case unreachable(summary: String, detail: String)
    /// The server took the token but wants more access (403 `insufficient_scope`): the scopes it named (empty when
    /// none) and its error text.
    case insufficientScope(scope: String, detail: String)
}
