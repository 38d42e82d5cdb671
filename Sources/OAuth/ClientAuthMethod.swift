/// How the client proves itself to the token endpoint (RFC 7591 `token_endpoint_auth_method`).
public enum ClientAuthMethod: String, Sendable, Codable, CaseIterable {
    /// A public client: `client_id` in the body, no secret.
    case none
    /// `client_id` and `client_secret` in the form body.
    case clientSecretPost = "client_secret_post"
    /// HTTP Basic with the id and secret; `client_id` goes in the body as well, which some servers require.
    case clientSecretBasic = "client_secret_basic"
}
