import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// How the client proves itself to the token endpoint, and to revocation, which authenticates the same way
/// (RFC 6749 section 2.3.1, RFC 7009 section 2.1): `client_id` always in the body (even with
/// `client_secret_basic`, which the mcp SDK server requires), the secret in the body for `client_secret_post`, or
/// in an HTTP Basic header for `client_secret_basic` (a `nil` secret is sent as empty there).
struct ClientAuthentication {
    /// `client_id`, then `client_secret` for `client_secret_post`.
    var formFields: [(String, String)]
    /// `Basic …` for `client_secret_basic`, else `nil`.
    var authorization: String?

    init(clientID: String, clientSecret: String?, method: ClientAuthMethod) {
        formFields = [("client_id", clientID)]
        if method == .clientSecretPost, let clientSecret { formFields.append(("client_secret", clientSecret)) }
        if method == .clientSecretBasic {
            // Id and secret are form-encoded before Basic encoding.
            let credentials = FormEncoding.component(clientID) + ":" + FormEncoding.component(clientSecret ?? "")
            authorization = "Basic " + Data(credentials.utf8).base64EncodedString()
        }
    }
}

extension WireSession {
    /// A form POST that asks for JSON, with the client's Basic header when it authenticates that way. `form` holds
    /// the client's `formFields` wherever the caller placed them.
    func formPost(_ endpoint: URL, form: [(String, String)], client: ClientAuthentication) -> URLRequest {
        var request = request(endpoint, method: "POST", accept: "application/json")
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        if let authorization = client.authorization {
            request.setValue(authorization, forHTTPHeaderField: "Authorization")
        }
        request.httpBody = Data(FormEncoding.encode(form).utf8)
        return request
    }
}
