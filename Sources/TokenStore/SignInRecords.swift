import Foundation

/// What sign-in learns about a server and keeps for next time: the discovered endpoints (the revocation endpoint
/// is needed again at logout) and the dynamically registered clients, so a server is never registered twice for
/// the same redirect URI.
public protocol SignInRecords: Sendable {
    func discovery(for server: String) async throws -> StoredDiscovery?
    /// Replaces the server's discovery; durable when this returns.
    func saveDiscovery(_ discovery: StoredDiscovery) async throws
    /// The server's registrations at `issuer`, newest first.
    func clientRegistrations(for server: String, issuer: String) async throws -> [StoredClientRegistration]
    /// Inserts or replaces the registration for its (server, issuer, redirect URI); durable when this returns.
    func saveClientRegistration(_ registration: StoredClientRegistration) async throws
    func deleteClientRegistration(server: String, issuer: String, redirectURI: String) async throws
}

/// The endpoints of one server as discovery (or the config) gave them at the last sign-in.
public struct StoredDiscovery: Sendable, Equatable, Codable {
    public var server: String
    /// The MCP server URL this was discovered for; a different configured URL means discover again.
    public var serverURL: String
    public var resource: String?
    public var resourceMetadataURL: String?
    public var challengedScope: String?
    public var scopesSupported: [String]
    /// `nil` when the config gave the endpoints and nothing was discovered.
    public var issuer: String?
    public var metadataURL: String?
    public var authorizationEndpoint: String
    public var tokenEndpoint: String
    public var registrationEndpoint: String?
    /// RFC 7009 endpoint; `nil`: the provider does not advertise revocation.
    public var revocationEndpoint: String?
    public var codeChallengeMethods: [String]
    public var discoveredAt: Date

    public init(
        server: String, serverURL: String, resource: String? = nil, resourceMetadataURL: String? = nil,
        challengedScope: String? = nil, scopesSupported: [String] = [], issuer: String? = nil,
        metadataURL: String? = nil, authorizationEndpoint: String, tokenEndpoint: String,
        registrationEndpoint: String? = nil, revocationEndpoint: String? = nil, codeChallengeMethods: [String] = [],
        discoveredAt: Date
    ) {
        self.server = server
        self.serverURL = serverURL
        self.resource = resource
        self.resourceMetadataURL = resourceMetadataURL
        self.challengedScope = challengedScope
        self.scopesSupported = scopesSupported
        self.issuer = issuer
        self.metadataURL = metadataURL
        self.authorizationEndpoint = authorizationEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.registrationEndpoint = registrationEndpoint
        self.revocationEndpoint = revocationEndpoint
        self.codeChallengeMethods = codeChallengeMethods
        self.discoveredAt = discoveredAt
    }
}

/// A client that dynamic registration (RFC 7591) created for one server at one authorization server, for one
/// redirect URI.
public struct StoredClientRegistration: Sendable, Equatable, Codable {
    public var server: String
    /// The authorization server's issuer (MCP: separate registrations per authorization server).
    public var issuer: String
    public var redirectURI: String
    public var clientID: String
    public var clientSecret: String?
    /// `none`, `client_secret_post` or `client_secret_basic`, as the server registered it.
    public var authMethod: String
    public var clientSecretExpiresAt: Date?
    public var registeredAt: Date
    /// The `scope` the registration asked for (RFC 7591: the scopes the client may use); `nil` when none was asked
    /// for or the registration predates this column.
    public var scope: String?

    public init(
        server: String, issuer: String, redirectURI: String, clientID: String, clientSecret: String? = nil,
        authMethod: String = "none", clientSecretExpiresAt: Date? = nil, registeredAt: Date, scope: String? = nil
    ) {
        self.server = server
        self.issuer = issuer
        self.redirectURI = redirectURI
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.authMethod = authMethod
        self.clientSecretExpiresAt = clientSecretExpiresAt
        self.registeredAt = registeredAt
        self.scope = scope
    }

    /// Whether a sign-in that asks for `wanted` may use this client: providers that hold a client to the scope it
    /// registered (the mcp SDK does) refuse more, so a step-up beyond it registers anew. Unknown: yes.
    public func covers(scope wanted: String?) -> Bool {
        guard let scope, let wanted else { return true }
        let registered = Set(scope.split(separator: " "))
        return wanted.split(separator: " ").allSatisfy(registered.contains)
    }

    /// A secret past its `client_secret_expires_at` cannot authenticate: register again.
    public func isUsable(at now: Date) -> Bool {
        clientSecretExpiresAt.map { $0 > now } ?? true
    }
}

extension StoredClientRegistration: CustomStringConvertible {
    /// Never prints the secret.
    public var description: String {
        "StoredClientRegistration(\(server), \(issuer), \(redirectURI), client_id: \(clientID), auth: \(authMethod))"
    }
}
