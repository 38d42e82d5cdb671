import Foundation

/// The tokens of one server as they rest in the store. Times are absolute, so a restart knows what expired.
public struct StoredSession: Sendable, Equatable, Codable {
    public var server: String
    public var accessToken: String
    public var tokenType: String
    public var refreshToken: String?
    public var scope: String?
    /// When the token endpoint was asked for these tokens (the start of `expires_in`).
    public var issuedAt: Date
    /// `nil`: the provider gave no expiry.
    public var expiresAt: Date?
    public var refreshTokenExpiresAt: Date?
    /// How to talk to the token endpoint; `nil` until sign-in or import supplies it.
    public var client: ClientRegistration?
    /// The MCP server URL the session was issued for: its token is never sent anywhere else (a config that now
    /// points the name at another URL needs a new sign-in). `nil` for sessions stored before this was kept.
    public var serverURL: String?

    public init(
        server: String, accessToken: String, tokenType: String = "Bearer", refreshToken: String? = nil,
        scope: String? = nil, issuedAt: Date, expiresAt: Date? = nil, refreshTokenExpiresAt: Date? = nil,
        client: ClientRegistration? = nil, serverURL: String? = nil
    ) {
        self.server = server
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.refreshToken = refreshToken
        self.scope = scope
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.refreshTokenExpiresAt = refreshTokenExpiresAt
        self.client = client
        self.serverURL = serverURL
    }

    /// Whether the session may be used for the MCP server at `url`: it was issued for that URL (or it predates
    /// the record of where it was issued, or no URL is configured).
    public func belongs(to url: String?) -> Bool {
        guard let serverURL, let url else { return true }
        return serverURL == url
    }
}

extension StoredSession: CustomStringConvertible {
    /// Never prints a token.
    public var description: String {
        "StoredSession(\(server), expires_at: \(expiresAt.map { "\($0)" } ?? "none"), "
            + "refresh_token: \(refreshToken == nil ? "absent" : "present"))"
    }
}

/// The OAuth client this session was obtained with (pre-registered or from dynamic registration).
public struct ClientRegistration: Sendable, Equatable, Codable {
    public var tokenEndpoint: String
    public var clientID: String
    public var clientSecret: String?
    /// RFC 7591 `token_endpoint_auth_method`: `none`, `client_secret_post` or `client_secret_basic`.
    public var authMethod: String
    /// RFC 8707 resource indicator sent with every token request.
    public var resource: String?

    public init(
        tokenEndpoint: String, clientID: String, clientSecret: String? = nil, authMethod: String = "none",
        resource: String? = nil
    ) {
        self.tokenEndpoint = tokenEndpoint
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.authMethod = authMethod
        self.resource = resource
    }
}

extension ClientRegistration: CustomStringConvertible {
    public var description: String {
        "ClientRegistration(\(tokenEndpoint), client_id: \(clientID), auth: \(authMethod))"
    }
}
