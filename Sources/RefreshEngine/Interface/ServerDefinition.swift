import TokenStore

/// One configured MCP server, as the engine needs it.
public struct ServerDefinition: Sendable, Equatable {
    public var name: String
    public var url: String?
    public var enabled: Bool
    /// Set when the config for this server cannot work; the engine then leaves it alone.
    public var configurationError: String?
    /// The OAuth client from the config (`oauth.client_id`, `oauth.token_endpoint`, ...); a stored session's own
    /// registration wins over it.
    public var client: ClientRegistration?

    public init(
        name: String, url: String? = nil, enabled: Bool = true, configurationError: String? = nil,
        client: ClientRegistration? = nil
    ) {
        self.name = name
        self.url = url
        self.enabled = enabled
        self.configurationError = configurationError
        self.client = client
    }
}
