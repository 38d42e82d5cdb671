import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Token revocation (RFC 7009): tells the provider that a token is no longer needed, so a copy left behind is
/// useless. The provider answers 200 even for a token it no longer knows (section 2.2).
public final class TokenRevoker: Sendable {
    public enum Hint: String, Sendable {
        case refreshToken = "refresh_token"
        case accessToken = "access_token"
    }

    private let wire: WireSession

    public init(timeout: TimeInterval = 30, userAgent: String = "oauthtop/0.1") {
        wire = WireSession(timeout: timeout, userAgent: userAgent)
    }

    /// Throws `TokenEndpointError` when the provider did not confirm the revocation. The client authenticates as it
    /// does at the token endpoint (`client_id` always in the body). The error's provider text is scrubbed of the
    /// token, the client secret and `knownSecrets` (the session's other token).
    public func revoke(
        _ token: String, hint: Hint, endpoint: URL, clientID: String, clientSecret: String? = nil,
        authMethod: ClientAuthMethod = .none, knownSecrets: [String?] = []
    ) async throws {
        let client = ClientAuthentication(clientID: clientID, clientSecret: clientSecret, method: authMethod)
        let form = [("token", token), ("token_type_hint", hint.rawValue)] + client.formFields
        let request = wire.formPost(endpoint, form: form, client: client)
        let answer = try await wire.send(request)
        guard (200..<300).contains(answer.status) else {
            // The same reading as a token endpoint error: status, `error`, `error_description`, never the body.
            do {
                _ = try TokenAnswer.interpret(answer, knownSecrets: [token, clientSecret] + knownSecrets)
            } catch {
                throw error
            }
            throw TokenEndpointError(kind: .http, status: answer.status, detail: "revocation not confirmed")
        }
    }
}
