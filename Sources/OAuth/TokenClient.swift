import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Talks to a token endpoint over HTTP: refresh (RFC 6749 section 6) and any other grant via `requestToken`.
///
/// Every failure is thrown as `TokenEndpointError`, except task cancellation (`CancellationError`). Error text never
/// contains tokens, codes or secrets: only the status, the content type and size of the body, and the provider's
/// own `error` and `error_description`. Safe to share between tasks.
public final class TokenClient: TokenRefresher {
    /// Seconds for the whole exchange, from sending the request to the last byte of the answer.
    public let timeout: TimeInterval
    public let userAgent: String
    private let wire: WireSession

    public init(timeout: TimeInterval = 30, userAgent: String = "oauthtop/0.1") {
        self.timeout = timeout
        self.userAgent = userAgent
        wire = WireSession(timeout: timeout, userAgent: userAgent)
    }

    public func refresh(_ request: RefreshRequest) async throws -> TokenResponse {
        var parameters = [("grant_type", "refresh_token"), ("refresh_token", request.refreshToken)]
        if let scope = request.scope, !scope.isEmpty {
            parameters.append(("scope", scope))
        }
        return try await requestToken(
            endpoint: request.tokenEndpoint, parameters: parameters, clientID: request.clientID,
            clientSecret: request.clientSecret, authMethod: request.authMethod, resource: request.resource)
    }

    /// POSTs `parameters` (grant type first) to `endpoint`, then the client's credentials as
    /// `ClientAuthentication` places them, and `resource` (RFC 8707) when given. An error's provider text is scrubbed
    /// of the secret parameters sent, the client secret and `knownSecrets` (what else the caller holds for the
    /// server: the access token, the state).
    public func requestToken(
        endpoint: URL, parameters: [(String, String)], clientID: String, clientSecret: String? = nil,
        authMethod: ClientAuthMethod = .none, resource: String? = nil, knownSecrets: [String?] = []
    ) async throws -> TokenResponse {
        let client = ClientAuthentication(clientID: clientID, clientSecret: clientSecret, method: authMethod)
        var form = parameters + client.formFields
        if let resource {
            form.append(("resource", resource))
        }
        let request = wire.formPost(endpoint, form: form, client: client)
        let sent = parameters.filter { ProviderText.secretNames.contains($0.0) }.map { Optional($0.1) }
        return try TokenAnswer.interpret(
            try await wire.send(request), knownSecrets: sent + [clientSecret] + knownSecrets)
    }
}
