import Foundation

/// One `grant_type=refresh_token` request (RFC 6749 section 6).
public struct RefreshRequest: Sendable, Equatable {
    public var tokenEndpoint: URL
    public var refreshToken: String
    public var clientID: String
    public var clientSecret: String?
    public var authMethod: ClientAuthMethod
    /// Sent only to narrow; `nil` keeps the originally granted scope.
    public var scope: String?
    /// RFC 8707 resource indicator: the canonical MCP server URI.
    public var resource: String?

    public init(
        tokenEndpoint: URL, refreshToken: String, clientID: String, clientSecret: String? = nil,
        authMethod: ClientAuthMethod = .none, scope: String? = nil, resource: String? = nil
    ) {
        self.tokenEndpoint = tokenEndpoint
        self.refreshToken = refreshToken
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.authMethod = authMethod
        self.scope = scope
        self.resource = resource
    }
}

extension RefreshRequest: CustomStringConvertible {
    public var description: String {
        "RefreshRequest(\(tokenEndpoint.absoluteString), client_id: \(clientID), auth: \(authMethod.rawValue))"
    }
}
