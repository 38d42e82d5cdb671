import Foundation

extension TokenClient {
    /// Trades an authorization code for tokens (RFC 6749 section 4.1.3) with the PKCE verifier (RFC 7636 section
    /// 4.5) and the resource indicator (RFC 8707 section 2.2). Errors as in `requestToken`: scrubbed of the code,
    /// the verifier, the client secret and `knownSecrets` (the state).
    public func exchangeCode(
        _ code: String, verifier: String, redirectURI: String, endpoint: URL, clientID: String,
        clientSecret: String? = nil, authMethod: ClientAuthMethod = .none, resource: String? = nil,
        knownSecrets: [String?] = []
    ) async throws -> TokenResponse {
        try await requestToken(
            endpoint: endpoint,
            parameters: [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
                ("code_verifier", verifier),
            ],
            clientID: clientID, clientSecret: clientSecret, authMethod: authMethod, resource: resource,
            knownSecrets: knownSecrets)
    }
}
