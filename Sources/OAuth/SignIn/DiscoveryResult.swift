import Foundation

/// What discovery found for one MCP server: where to send the user, where to trade codes for tokens, and how to
/// get a client. Every member is public information from the provider; nothing secret.
public struct DiscoveryResult: Sendable, Equatable, Codable {
    /// The MCP server URL discovery started from.
    public var serverURL: String
    /// The protected resource metadata's `resource` (RFC 9728), checked against the server URL.
    public var resource: String?
    /// Where the protected resource metadata was found; `nil` when there was none (the issuer is then the
    /// server's origin, as MCP 2025-03-26 servers expect).
    public var resourceMetadataURL: String?
    /// The `scope` of the server's 401 challenge (MCP 2025-11-25 step 7).
    public var challengedScope: String?
    /// The protected resource's `scopes_supported`.
    public var scopesSupported: [String]
    /// The authorization server's issuer, exactly as its metadata states it.
    public var issuer: String
    /// Where the authorization server metadata was found.
    public var metadataURL: String
    public var authorizationEndpoint: String
    public var tokenEndpoint: String
    public var registrationEndpoint: String?
    /// RFC 7009; `nil` when the provider does not advertise revocation.
    public var revocationEndpoint: String?
    public var codeChallengeMethodsSupported: [String]
    public var tokenEndpointAuthMethodsSupported: [String]?
    /// RFC 9207: the authorization server puts `iss` into every authorization response, so a redirect without it
    /// is refused (`authorization_response_iss_parameter_supported`).
    public var issParameterSupported: Bool
    /// The authorization server accepts a client ID metadata document's URL as `client_id` (MCP 2025-11-25,
    /// `client_id_metadata_document_supported`).
    public var clientIDMetadataDocumentSupported: Bool
    /// RFC 8628's `device_authorization_endpoint`, for sign-in without a browser on this machine.
    public var deviceAuthorizationEndpoint: String?

    public init(
        serverURL: String, resource: String? = nil, resourceMetadataURL: String? = nil, challengedScope: String? = nil,
        scopesSupported: [String] = [], issuer: String, metadataURL: String, authorizationEndpoint: String,
        tokenEndpoint: String, registrationEndpoint: String? = nil, revocationEndpoint: String? = nil,
        codeChallengeMethodsSupported: [String] = [PKCE.method], tokenEndpointAuthMethodsSupported: [String]? = nil,
        issParameterSupported: Bool = false, clientIDMetadataDocumentSupported: Bool = false,
        deviceAuthorizationEndpoint: String? = nil
    ) {
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
        self.codeChallengeMethodsSupported = codeChallengeMethodsSupported
        self.tokenEndpointAuthMethodsSupported = tokenEndpointAuthMethodsSupported
        self.issParameterSupported = issParameterSupported
        self.clientIDMetadataDocumentSupported = clientIDMetadataDocumentSupported
        self.deviceAuthorizationEndpoint = deviceAuthorizationEndpoint
    }

    /// The scope to ask for when the config names none (MCP 2025-11-25 step 7): the 401 challenge's `scope`, else
    /// every scope of `scopes_supported`, else `nil` (the parameter is left out).
    public var scopeToRequest: String? {
        if let challengedScope, !challengedScope.isEmpty { return challengedScope }
        return scopesSupported.isEmpty ? nil : scopesSupported.joined(separator: " ")
    }
}
