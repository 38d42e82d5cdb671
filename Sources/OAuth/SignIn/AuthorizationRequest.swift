import Foundation

/// The authorization request of the code flow with PKCE (RFC 6749 section 4.1.1, RFC 7636 section 4.3, RFC 8707
/// section 2.1): the URL the browser opens.
public struct AuthorizationRequest: Sendable, Equatable {
    public var endpoint: URL
    public var clientID: String
    public var redirectURI: String
    /// Space-separated; `nil` leaves the parameter out.
    public var scope: String?
    public var state: String
    public var codeChallenge: String
    /// RFC 8707 resource indicator: the MCP server's canonical URI.
    public var resource: String?
    /// `oauth.extra_params`; names that the flow itself sets are ignored.
    public var extraParameters: [String: String]

    /// The parameters the flow owns; extra parameters cannot replace them.
    public static let reservedNames: Set<String> = [
        "response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method",
        "resource",
    ]

    public init(
        endpoint: URL, clientID: String, redirectURI: String, scope: String?, state: String, codeChallenge: String,
        resource: String?, extraParameters: [String: String] = [:]
    ) {
        self.endpoint = endpoint
        self.clientID = clientID
        self.redirectURI = redirectURI
        self.scope = scope
        self.state = state
        self.codeChallenge = codeChallenge
        self.resource = resource
        self.extraParameters = extraParameters
    }

    /// In this order: response_type, client_id, redirect_uri, scope, state, code_challenge, code_challenge_method,
    /// resource, then the extra parameters sorted by name.
    public var parameters: [(String, String)] {
        var pairs = [("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirectURI)]
        if let scope, !scope.isEmpty { pairs.append(("scope", scope)) }
        pairs += [("state", state), ("code_challenge", codeChallenge), ("code_challenge_method", PKCE.method)]
        if let resource { pairs.append(("resource", resource)) }
        for name in extraParameters.keys.sorted() where !Self.reservedNames.contains(name) {
            pairs.append((name, extraParameters[name]!))
        }
        return pairs
    }

    /// The endpoint with the parameters appended to any query it already has, every value percent-encoded.
    public var url: URL {
        var text = endpoint.absoluteString
        if let hash = text.firstIndex(of: "#") { text = String(text[..<hash]) }
        let separator = text.contains("?") ? (text.hasSuffix("?") || text.hasSuffix("&") ? "" : "&") : "?"
        return URL(string: text + separator + FormEncoding.encode(parameters)) ?? endpoint
    }
}

extension AuthorizationRequest: CustomStringConvertible {
    /// Only the endpoint: the URL carries the state.
    public var description: String { "AuthorizationRequest(\(endpoint.absoluteString), client_id: \(clientID))" }
}

/// What came back to the redirect URI (RFC 6749 section 4.1.2 and 4.1.2.1), read from its query.
public enum AuthorizationResponse: Sendable, Equatable {
    case code(String)
    /// The provider's `error` (e.g. `access_denied`) and `error_description`.
    case error(code: String, description: String?)
    /// Neither a code nor an error.
    case malformed

    /// The parameters of a raw (still percent-encoded) query string, decoded as a form: `+` is a space, as
    /// providers that build redirects with form encoding mean it. The first of repeated names wins.
    public static func parameters(query: String) -> [String: String] {
        var parameters: [String: String] = [:]
        for (name, value) in FormEncoding.decode(query) where parameters[name] == nil {
            parameters[name] = value
        }
        return parameters
    }

    /// Reads `code`, or `error` and `error_description`, from the callback's query items.
    public init(query: [String: String]) {
        if let error = query["error"], !error.isEmpty {
            let description = query["error_description"].flatMap { $0.isEmpty ? nil : $0 }
            self = .error(
                code: ProviderText.line(error, limit: 100),
                description: description.map { ProviderText.line($0, limit: 300) })
        } else if let code = query["code"], !code.isEmpty {
            self = .code(code)
        } else {
            self = .malformed
        }
    }
}

extension AuthorizationResponse: CustomStringConvertible {
    /// Never prints the code.
    public var description: String {
        switch self {
        case .code: "AuthorizationResponse(code)"
        case .error(let code, _): "AuthorizationResponse(error: \(code))"
        case .malformed: "AuthorizationResponse(malformed)"
        }
    }
}

/// The mix-up defence of RFC 9207 (and RFC 9700 section 4.4): the redirect names the authorization server that
/// sent it in `iss`, and a code is redeemed only when that is the one the sign-in went to. `iss` is compared as a
/// plain string with the issuer of the metadata (RFC 9207 section 2.4).
public enum AuthorizationIssuer {
    /// `nil` when the redirect may be used; else why not. `required`: the metadata advertised
    /// `authorization_response_iss_parameter_supported`, so a redirect without `iss` is refused as well. An `iss`
    /// that differs is refused whether advertised or not.
    public static func problem(received: String?, expected: String, required: Bool) -> String? {
        guard let received, !received.isEmpty else {
            return required
                ? "the redirect carried no iss although the authorization server \(expected) says it always sends "
                    + "one (RFC 9207); it may come from another server, so the sign-in was stopped"
                : nil
        }
        guard received != expected else { return nil }
        return "the redirect came from the authorization server \(ProviderText.line(received, limit: 200)), not from "
            + "\(expected) where this sign-in began (RFC 9207 mix-up defence), so its code was not used"
    }
}
