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

    /// POSTs `parameters` (grant type first) to `endpoint`, then `client_id` (always in the body, even with
    /// `client_secret_basic`, which the mcp SDK server requires), `client_secret` for `client_secret_post`, and
    /// `resource` (RFC 8707) when given. With `client_secret_basic` a `nil` secret is sent as empty.
    public func requestToken(
        endpoint: URL, parameters: [(String, String)], clientID: String, clientSecret: String? = nil,
        authMethod: ClientAuthMethod = .none, resource: String? = nil
    ) async throws -> TokenResponse {
        var form = parameters
        form.append(("client_id", clientID))
        if authMethod == .clientSecretPost, let clientSecret {
            form.append(("client_secret", clientSecret))
        }
        if let resource {
            form.append(("resource", resource))
        }
        var request = wire.request(endpoint, method: "POST", accept: "application/json")
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        if authMethod == .clientSecretBasic {
            // RFC 6749 section 2.3.1: id and secret are form-encoded before Basic encoding.
            let credentials = FormEncoding.component(clientID) + ":" + FormEncoding.component(clientSecret ?? "")
            request.setValue("Basic " + Data(credentials.utf8).base64EncodedString(), forHTTPHeaderField: "Authorization")
        }
        request.httpBody = Data(FormEncoding.encode(form).utf8)
        return try TokenAnswer.interpret(try await wire.send(request))
    }
}
