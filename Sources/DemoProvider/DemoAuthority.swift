import Foundation
import OAuth

/// The provider's state and rules: clients, authorization codes, refresh-token families and access tokens. Pure
/// request-in, reply-out, so the HTTP layer stays a thin shell.
actor DemoAuthority {
    struct Client {
        var id: String
        var name: String?
        var redirectURIs: [String]
        var behaviour: DemoBehaviour
    }

    struct Code {
        var clientID: String
        var redirectURI: String
        var challenge: String
        var scope: String
        var expires: Date
    }

    /// One sign-in and every token refreshed from it.
    struct Family {
        var clientID: String
        var behaviour: DemoBehaviour
        var created: Date
        var currentRefreshToken: String?
        var scope: String
        /// The provider revoked it (`revoked` behaviour, reuse, RFC 7009): refreshes get `invalid_grant`.
        var revoked: String?
        var pendingFailures: Int
        var throttleArmed: Bool
        var refreshes = 0
    }

    /// A refresh or code exchange's result; `refreshToken` is `nil` when the answer keeps the old one.
    struct Issued {
        var accessToken: String
        var refreshToken: String?
        var lifetime: TimeInterval
        var scope: String
    }

    static let scope = "mcp:read mcp:write"
    static let codeLifetime: TimeInterval = 60

    let scenario: DemoScenario
    let now: @Sendable () -> Date
    private(set) var issuer = "http://127.0.0.1"
    var clients: [String: Client] = [:]
    var codes: [String: Code] = [:]
    var families: [Int: Family] = [:]
    var nextFamily = 1
    /// Every refresh token ever issued, with its family; only the family's current one refreshes.
    var refreshTokens: [String: Int] = [:]
    var accessTokens: [String: (family: Int, expires: Date)] = [:]

    init(scenario: DemoScenario, now: @escaping @Sendable () -> Date) {
        self.scenario = scenario
        self.now = now
    }

    func setIssuer(_ issuer: String) { self.issuer = issuer }

    var tokenEndpoint: String { issuer + "/token" }
    var resource: String { issuer + "/mcp" }
    var resourceMetadataURL: String { issuer + "/.well-known/oauth-protected-resource/mcp" }

    // MARK: Discovery

    /// RFC 8414.
    func metadata() -> Reply {
        .json(
            200,
            [
                "issuer": issuer,
                "authorization_endpoint": issuer + "/authorize",
                "token_endpoint": tokenEndpoint,
                "registration_endpoint": issuer + "/register",
                "revocation_endpoint": issuer + "/revoke",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["none"],
                "revocation_endpoint_auth_methods_supported": ["none"],
                "scopes_supported": ["mcp:read", "mcp:write"],
            ])
    }

    /// RFC 9728.
    func protectedResource() -> Reply {
        .json(
            200,
            [
                "resource": resource,
                "authorization_servers": [issuer],
                "scopes_supported": ["mcp:read", "mcp:write"],
                "bearer_methods_supported": ["header"],
                "resource_name": "oauthtop demo MCP server",
            ])
    }

    // MARK: Registration (RFC 7591), public clients only

    func register(_ body: Data) -> Reply {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            return .json(
                400, ["error": "invalid_client_metadata", "error_description": "the body must be a JSON object"])
        }
        guard let uris = object["redirect_uris"] as? [String], !uris.isEmpty,
            uris.allSatisfy({
                URL(string: $0).map { ["http", "https"].contains($0.scheme ?? "") && $0.host != nil } ?? false
            })
        else {
            return .json(
                400, ["error": "invalid_redirect_uri", "error_description": "redirect_uris must list http(s) URLs"])
        }
        let method = object["token_endpoint_auth_method"] as? String ?? "none"
        guard method == "none" else {
            return .json(
                400,
                [
                    "error": "invalid_client_metadata",
                    "error_description": "only public clients (token_endpoint_auth_method none) are supported",
                ])
        }
        let name = object["client_name"] as? String
        let client = Client(
            id: "demo-" + Self.random(8), name: name, redirectURIs: uris,
            behaviour: name.flatMap(scenario.behaviour(of:)) ?? scenario.defaultBehaviour)
        clients[client.id] = client
        var answer: [String: Any] = [
            "client_id": client.id,
            "client_id_issued_at": Int(now().timeIntervalSince1970),
            "redirect_uris": uris,
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        ]
        if let name { answer["client_name"] = name }
        return .json(201, answer)
    }

    // MARK: Authorization (auto-approved)

    func authorize(_ query: [String: String]) -> Reply {
        guard let clientID = query["client_id"], let client = clients[clientID] else {
            return .oauthError(400, "invalid_client", "unknown client_id")
        }
        guard let redirect = query["redirect_uri"], Self.matches(redirect, client.redirectURIs) else {
            return .oauthError(400, "invalid_request", "redirect_uri is not registered for this client")
        }
        let state = query["state"]
        func fail(_ code: String, _ description: String) -> Reply {
            var items = [("error", code), ("error_description", description)]
            if let state { items.append(("state", state)) }
            return .redirect(Self.append(items, to: redirect))
        }
        guard query["response_type"] == "code" else {
            return fail("unsupported_response_type", "only response_type=code is supported")
        }
        guard let challenge = query["code_challenge"], !challenge.isEmpty else {
            return fail("invalid_request", "code_challenge is required (PKCE)")
        }
        guard query["code_challenge_method"] == "S256" else {
            return fail("invalid_request", "code_challenge_method must be S256")
        }
        let code = Self.random(16)
        codes[code] = Code(
            clientID: clientID, redirectURI: redirect, challenge: challenge, scope: query["scope"] ?? Self.scope,
            expires: now().addingTimeInterval(Self.codeLifetime))
        var items = [("code", code)]
        if let state { items.append(("state", state)) }
        items.append(("iss", issuer))
        return .redirect(Self.append(items, to: redirect))
    }

    // MARK: Helpers

    static func random(_ bytes: Int) -> String {
        (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    /// Exact match, or a loopback redirect that differs only in its port (RFC 8252 section 7.3).
    static func matches(_ redirect: String, _ registered: [String]) -> Bool {
        if registered.contains(redirect) { return true }
        guard let asked = URLComponents(string: redirect),
            ["127.0.0.1", "localhost", "[::1]", "::1"].contains(asked.host ?? "")
        else { return false }
        return registered.contains { uri in
            guard var known = URLComponents(string: uri) else { return false }
            known.port = asked.port
            return known.string == asked.string
        }
    }

    static func append(_ items: [(String, String)], to uri: String) -> String {
        var components = URLComponents(string: uri) ?? URLComponents()
        components.queryItems = (components.queryItems ?? []) + items.map { URLQueryItem(name: $0.0, value: $0.1) }
        // URLComponents leaves `+` alone in queries, which form decoders read as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.string ?? uri
    }

    /// An `application/x-www-form-urlencoded` body as a dictionary (the last of repeated names wins), read with
    /// the decoder oauthtop's own requests are encoded for.
    static func form(_ body: Data) -> [String: String] {
        Dictionary(FormEncoding.decode(String(decoding: body, as: UTF8.self)), uniquingKeysWith: { _, last in last })
    }
}
