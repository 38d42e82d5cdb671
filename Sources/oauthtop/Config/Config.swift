import Foundation
import RefreshEngine
import TokenStore

/// The parsed configuration file: the `mcpServers` that MCP clients already use, plus oauthtop's own
/// `refresh` and `metrics` sections (DESIGN.md section 4).
struct Config: Equatable {
    var path: String
    var servers: [ServerConfig]
    /// Entries without `url` (stdio servers): listed as skipped, never an error.
    var skipped: [String]
    var refresh: RefreshPolicy
    var metricsListen: String?
    /// `notifications`: desktop notifications from `serve` and the dashboard when a server needs a sign-in.
    var notifications = true

    func server(named name: String) -> ServerConfig? {
        servers.first { $0.name == name }
    }

    /// The engine's view of every server.
    var definitions: [ServerDefinition] { servers.map(\.definition) }
}

/// One remote MCP server from `mcpServers`.
struct ServerConfig: Equatable {
    var name: String
    var url: String
    var enabled: Bool
    var oauth: OAuthSettings

    var definition: ServerDefinition {
        ServerDefinition(name: name, url: url, enabled: enabled, client: oauth.registration(resource: url))
    }
}

/// The optional `oauth` block of a server; whatever is not given is discovered at sign-in.
struct OAuthSettings: Equatable {
    var clientID: String?
    var clientSecret: String?
    var scopes: [String] = []
    var authorizationEndpoint: URL?
    var tokenEndpoint: URL?
    var registrationEndpoint: URL?
    var resource: String?
    var redirectPort: Int?
    var extraParams: [String: String] = [:]
    /// `registration_metadata`: a JSON object merged into the dynamic registration request.
    var registrationMetadata: Data?
    /// `client_metadata_url` (or the top-level one): a client ID metadata document whose URL is the `client_id`.
    var clientMetadataURL: URL?
    /// `none`, `client_secret_post` or `client_secret_basic`; by default `client_secret_post` with a secret.
    var tokenEndpointAuthMethod: String?

    /// A client the engine can refresh with, when the config names both the token endpoint and the client.
    func registration(resource defaultResource: String) -> ClientRegistration? {
        guard let tokenEndpoint, let clientID else { return nil }
        return ClientRegistration(
            tokenEndpoint: tokenEndpoint.absoluteString, clientID: clientID, clientSecret: clientSecret,
            authMethod: tokenEndpointAuthMethod ?? (clientSecret == nil ? "none" : "client_secret_post"),
            resource: resource ?? defaultResource)
    }
}
