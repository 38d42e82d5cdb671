import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A client as the authorization server registered it (RFC 7591 section 3.2.1). The server may change what was
/// asked for: these are the values to use.
public struct RegisteredClient: Sendable, Equatable {
    public var clientID: String
    /// Secret; `nil` for a public client.
    public var clientSecret: String?
    public var authMethod: ClientAuthMethod
    /// `nil` or 0 in the response: the secret never expires.
    public var clientSecretExpiresAt: Date?
    public var redirectURIs: [String]

    public init(
        clientID: String, clientSecret: String? = nil, authMethod: ClientAuthMethod = .none,
        clientSecretExpiresAt: Date? = nil, redirectURIs: [String] = []
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.authMethod = authMethod
        self.clientSecretExpiresAt = clientSecretExpiresAt
        self.redirectURIs = redirectURIs
    }
}

extension RegisteredClient: CustomStringConvertible {
    /// Never prints the secret.
    public var description: String { "RegisteredClient(\(clientID), auth: \(authMethod.rawValue))" }
}

/// Dynamic client registration (RFC 7591): oauthtop registers itself as a public native client
/// (`token_endpoint_auth_method: none`) with one loopback redirect URI, for the authorization code grant with
/// refresh tokens.
public final class ClientRegistrar: Sendable {
    public static let clientName = "oauthtop"
    private let wire: WireSession

    public init(timeout: TimeInterval = 30, userAgent: String = "oauthtop/0.1") {
        wire = WireSession(timeout: timeout, userAgent: userAgent)
    }

    /// The JSON body of the registration request. `extra` (a JSON object, `oauth.registration_metadata`) is merged
    /// in for providers that need more fields to register a public client; it may replace any field but
    /// `redirect_uris`, which must be the one this sign-in listens on.
    public static func requestBody(redirectURI: String, scope: String?, extra: Data? = nil) -> Data {
        var metadata: [String: Any] = [
            "client_name": clientName,
            "redirect_uris": [redirectURI],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": ClientAuthMethod.none.rawValue,
        ]
        if let scope, !scope.isEmpty { metadata["scope"] = scope }
        if let extra, let fields = (try? JSONSerialization.jsonObject(with: extra)) as? [String: Any] {
            for (key, value) in fields where key != "redirect_uris" { metadata[key] = value }
        }
        return (try? JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys])) ?? Data()
    }

    public func register(
        at endpoint: URL, redirectURI: String, scope: String?, extra: Data? = nil
    ) async throws(SignInError) -> RegisteredClient {
        var request = wire.request(endpoint, method: "POST", accept: "application/json")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Self.requestBody(redirectURI: redirectURI, scope: scope, extra: extra)
        let answer: HTTPAnswer
        do {
            answer = try await wire.send(request)
        } catch {
            throw Discovery.failure(error, step: "client registration at \(endpoint.absoluteString)")
        }
        return try Self.interpret(answer, endpoint: endpoint, redirectURI: redirectURI)
    }

    static func interpret(
        _ answer: HTTPAnswer, endpoint: URL, redirectURI: String
    ) throws(SignInError) -> RegisteredClient {
        let step = "client registration at \(endpoint.absoluteString)"
        let object = answer.bodyOverLimit ? nil : JSONObject(answer.body)
        guard (200..<300).contains(answer.status) else {
            if answer.status >= 500 || answer.status == 429 { throw .network("\(step): HTTP \(answer.status)") }
            // The provider's words, scrubbed (`ProviderText`): a refusal may quote what it was sent or issued.
            let reason = [object?.string("error"), object?.string("error_description")]
                .compactMap { $0.map { ProviderText.line($0, limit: 300) } }.joined(separator: ": ")
            throw .configuration(
                "\(step) was refused: HTTP \(answer.status)" + (reason.isEmpty ? "" : " \(reason)")
                    + "; set oauth.client_id in the config to use a pre-registered client")
        }
        guard let object, let clientID = object.string("client_id") else {
            throw .provider("\(step): the answer has no client_id")
        }
        let secret = object.string("client_secret")
        let method: ClientAuthMethod
        if let named = object.string("token_endpoint_auth_method") {
            guard let known = ClientAuthMethod(rawValue: named) else {
                throw .configuration(
                    "\(step): the server registered an unsupported token_endpoint_auth_method \(named)")
            }
            method = known
        } else {
            // RFC 7591 section 2: the default is client_secret_basic; without a secret it can only be a public client.
            method = secret == nil ? .none : .clientSecretBasic
        }
        let redirects = object.strings("redirect_uris") ?? [redirectURI]
        guard redirects.contains(redirectURI) else {
            throw .provider("\(step): the server did not register the redirect URI \(redirectURI)")
        }
        var expires: Date?
        if let seconds = object.number("client_secret_expires_at"), seconds > 0 {
            expires = Date(timeIntervalSince1970: seconds)
        }
        return RegisteredClient(
            clientID: clientID, clientSecret: secret, authMethod: method, clientSecretExpiresAt: expires,
            redirectURIs: redirects)
    }
}
