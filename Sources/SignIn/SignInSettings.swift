import Foundation

/// What a browser sign-in needs to know about one server: its MCP URL and what the config's `oauth` block gives.
/// Whatever is `nil` or empty is discovered, or registered, at sign-in.
public struct SignInSettings: Sendable, Equatable {
    /// The MCP server URL; discovery starts here, and it is the resource when nothing else names one.
    public var url: String
    /// A pre-registered client; without it a stored registration is reused, else one is registered (RFC 7591).
    public var clientID: String?
    public var clientSecret: String?
    /// `none`, `client_secret_post` or `client_secret_basic`; `nil`: `client_secret_post` with a secret, else `none`.
    public var tokenEndpointAuthMethod: String?
    /// Empty: the 401 challenge's scope, else the resource's `scopes_supported`.
    public var scopes: [String]
    /// With `tokenEndpoint`, skips discovery; alone, overrides what discovery found.
    public var authorizationEndpoint: URL?
    public var tokenEndpoint: URL?
    public var registrationEndpoint: URL?
    /// The RFC 8707 resource indicator; `nil`: the protected resource metadata's `resource`, else `url`.
    public var resource: String?
    /// The loopback redirect port, exactly; `nil`: a stored registration's port when free, else any free port.
    public var redirectPort: Int?
    /// Added to the authorization URL; names the flow sets itself are ignored.
    public var extraParams: [String: String]
    /// `oauth.registration_metadata`: a JSON object merged into the dynamic registration request.
    public var registrationMetadata: Data?
    /// `oauth.client_metadata_url`: a client ID metadata document; its URL is the `client_id` where the
    /// authorization server accepts such documents.
    public var clientMetadataURL: URL?

    public init(
        url: String, clientID: String? = nil, clientSecret: String? = nil, tokenEndpointAuthMethod: String? = nil,
        scopes: [String] = [], authorizationEndpoint: URL? = nil, tokenEndpoint: URL? = nil,
        registrationEndpoint: URL? = nil, resource: String? = nil, redirectPort: Int? = nil,
        extraParams: [String: String] = [:], registrationMetadata: Data? = nil, clientMetadataURL: URL? = nil
    ) {
        self.url = url
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.tokenEndpointAuthMethod = tokenEndpointAuthMethod
        self.scopes = scopes
        self.authorizationEndpoint = authorizationEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.registrationEndpoint = registrationEndpoint
        self.resource = resource
        self.redirectPort = redirectPort
        self.extraParams = extraParams
        self.registrationMetadata = registrationMetadata
        self.clientMetadataURL = clientMetadataURL
    }
}

extension SignInSettings: CustomStringConvertible {
    /// Never prints the client secret.
    public var description: String {
        "SignInSettings(\(url), client_id: \(clientID ?? "none"), secret: \(clientSecret == nil ? "no" : "yes"))"
    }
}
