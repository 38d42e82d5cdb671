import Foundation
import OAuth

/// An HTTP answer, before FlyingFox turns it into bytes.
struct Reply: Sendable, Equatable {
    var status: Int
    var headers: [String: String]
    var body: Data

    static func json(_ status: Int, _ object: [String: Any], headers: [String: String] = [:]) -> Reply {
        let body =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return Reply(status: status, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a }, body: body)
    }

    /// RFC 6749 section 5.2.
    static func oauthError(_ status: Int, _ code: String, _ description: String, headers: [String: String] = [:])
        -> Reply
    {
        json(status, ["error": code, "error_description": description], headers: headers.merging(["Cache-Control": "no-store"]) { a, _ in a })
    }

    static func redirect(_ location: String) -> Reply {
        Reply(status: 302, headers: ["Location": location, "Cache-Control": "no-store"], body: Data())
    }
}

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

    static let scope = "mcp:read mcp:write"
    static let codeLifetime: TimeInterval = 60

    let scenario: DemoScenario
    private let now: @Sendable () -> Date
    private(set) var issuer = "http://127.0.0.1"
    private var clients: [String: Client] = [:]
    private var codes: [String: Code] = [:]
    private var families: [Int: Family] = [:]
    private var nextFamily = 1
    /// Every refresh token ever issued, with its family; only the family's current one refreshes.
    private var refreshTokens: [String: Int] = [:]
    private var accessTokens: [String: (family: Int, expires: Date)] = [:]

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
            return .json(400, ["error": "invalid_client_metadata", "error_description": "the body must be a JSON object"])
        }
        guard let uris = object["redirect_uris"] as? [String], !uris.isEmpty,
            uris.allSatisfy({ URL(string: $0).map { ["http", "https"].contains($0.scheme ?? "") && $0.host != nil } ?? false })
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

    // MARK: Token endpoint

    func token(_ form: [String: String]) -> Reply {
        switch form["grant_type"] {
        case nil:
            return .oauthError(400, "invalid_request", "grant_type is required")
        case "authorization_code":
            return exchange(form)
        case "refresh_token":
            return refresh(form)
        case let other?:
            return .oauthError(400, "unsupported_grant_type", "grant_type \(other) is not supported")
        }
    }

    private func exchange(_ form: [String: String]) -> Reply {
        guard let codeValue = form["code"], let verifier = form["code_verifier"], let clientID = form["client_id"]
        else {
            return .oauthError(400, "invalid_request", "code, code_verifier and client_id are required")
        }
        guard clients[clientID] != nil else { return .oauthError(401, "invalid_client", "unknown client_id") }
        guard let code = codes.removeValue(forKey: codeValue), code.expires > now() else {
            return .oauthError(400, "invalid_grant", "the authorization code is unknown, used or expired")
        }
        guard code.clientID == clientID else {
            return .oauthError(400, "invalid_grant", "the authorization code was issued to another client")
        }
        guard form["redirect_uri"] == code.redirectURI else {
            return .oauthError(400, "invalid_grant", "redirect_uri does not match the authorization request")
        }
        guard PKCE.challenge(for: verifier) == code.challenge else {
            return .oauthError(400, "invalid_grant", "PKCE verification failed")
        }
        let issued = startFamily(clientID: clientID, scope: code.scope)
        return tokenReply(issued)
    }

    private func refresh(_ form: [String: String]) -> Reply {
        guard let token = form["refresh_token"], let clientID = form["client_id"] else {
            return .oauthError(400, "invalid_request", "refresh_token and client_id are required")
        }
        guard clients[clientID] != nil else { return .oauthError(401, "invalid_client", "unknown client_id") }
        guard let id = refreshTokens[token], var family = families[id], family.clientID == clientID else {
            return .oauthError(400, "invalid_grant", "the refresh token is unknown")
        }
        if let reason = family.revoked { return .oauthError(400, "invalid_grant", reason) }
        guard family.currentRefreshToken == token else {
            family.revoked = "refresh token reuse detected; the session was revoked"
            families[id] = family
            accessTokens = accessTokens.filter { $0.value.family != id }
            return .oauthError(400, "invalid_grant", "a rotated refresh token was used again; the session is revoked")
        }
        let now = now()
        switch family.behaviour {
        case .flaky where family.pendingFailures > 0:
            family.pendingFailures -= 1
            families[id] = family
            return Reply(
                status: 503, headers: ["Content-Type": "text/html; charset=utf-8"],
                body: Data(
                    "<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The demo provider is flaky on purpose.</p></body></html>"
                        .utf8))
        case .throttled(_, let retryAfter) where family.throttleArmed:
            family.throttleArmed = false
            families[id] = family
            return .oauthError(
                429, "temporarily_unavailable", "too many requests; retry after \(retryAfter) seconds",
                headers: ["Retry-After": "\(retryAfter)"])
        case .revoked(_, let after) where now >= family.created.addingTimeInterval(after):
            family.revoked = "the refresh token was revoked by the provider"
            families[id] = family
            return .oauthError(400, "invalid_grant", "the refresh token was revoked by the provider")
        default:
            break
        }
        if case .flaky(_, let failures) = family.behaviour { family.pendingFailures = failures }
        if case .throttled = family.behaviour { family.throttleArmed = true }
        family.refreshes += 1
        var rotated: String?
        if family.behaviour.rotates {
            let next = "demo-rt-" + Self.random(16)
            family.currentRefreshToken = next
            refreshTokens[next] = id
            rotated = next
        }
        families[id] = family
        return tokenReply(issueAccess(family: id, refreshToken: rotated))
    }

    /// A refresh or code exchange's result; `refreshToken` is `nil` when the answer keeps the old one.
    struct Issued {
        var accessToken: String
        var refreshToken: String?
        var lifetime: TimeInterval
        var scope: String
    }

    private func startFamily(clientID: String, scope: String) -> Issued {
        let behaviour = clients[clientID]?.behaviour ?? scenario.defaultBehaviour
        let id = nextFamily
        nextFamily += 1
        var refresh: String?
        if behaviour.issuesRefreshToken {
            refresh = "demo-rt-" + Self.random(16)
            refreshTokens[refresh!] = id
        }
        var failures = 0
        if case .flaky(_, let count) = behaviour { failures = count }
        families[id] = Family(
            clientID: clientID, behaviour: behaviour, created: now(), currentRefreshToken: refresh, scope: scope,
            pendingFailures: failures, throttleArmed: true)
        return issueAccess(family: id, refreshToken: refresh)
    }

    private func issueAccess(family id: Int, refreshToken: String?) -> Issued {
        let now = now()
        accessTokens = accessTokens.filter { $0.value.expires > now }
        let family = families[id]!
        let access = "demo-at-" + Self.random(16)
        accessTokens[access] = (id, now.addingTimeInterval(family.behaviour.lifetime))
        return Issued(
            accessToken: access, refreshToken: refreshToken, lifetime: family.behaviour.lifetime, scope: family.scope)
    }

    private func tokenReply(_ issued: Issued) -> Reply {
        var body: [String: Any] = [
            "access_token": issued.accessToken,
            "token_type": "Bearer",
            "expires_in": Int(issued.lifetime.rounded()),
            "scope": issued.scope,
        ]
        if let refresh = issued.refreshToken { body["refresh_token"] = refresh }
        return .json(200, body, headers: ["Cache-Control": "no-store", "Pragma": "no-cache"])
    }

    // MARK: Revocation (RFC 7009)

    func revoke(_ form: [String: String]) -> Reply {
        guard let token = form["token"] else { return .oauthError(400, "invalid_request", "token is required") }
        if let id = refreshTokens[token], var family = families[id] {
            family.revoked = "the refresh token was revoked"
            families[id] = family
            accessTokens = accessTokens.filter { $0.value.family != id }
        } else {
            accessTokens[token] = nil
        }
        return Reply(status: 200, headers: [:], body: Data())
    }

    // MARK: MCP endpoint

    func mcp(authorization: String?, body: Data) -> Reply {
        let challenge = "Bearer resource_metadata=\"\(resourceMetadataURL)\""
        guard let authorization, authorization.lowercased().hasPrefix("bearer ") else {
            return .json(
                401, ["error": "invalid_token", "error_description": "a bearer token is required"],
                headers: ["WWW-Authenticate": challenge])
        }
        let token = String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard let entry = accessTokens[token], entry.expires > now() else {
            return .json(
                401, ["error": "invalid_token", "error_description": "the access token is invalid or expired"],
                headers: ["WWW-Authenticate": challenge + ", error=\"invalid_token\""])
        }
        let request = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let id = request?["id"]
        guard let id, !(id is NSNull) else { return Reply(status: 202, headers: [:], body: Data()) }
        guard request?["method"] as? String == "initialize" else {
            return .json(200, ["jsonrpc": "2.0", "id": id, "error": ["code": -32601, "message": "Method not found"]])
        }
        return .json(
            200,
            [
                "jsonrpc": "2.0", "id": id,
                "result": [
                    "protocolVersion": "2025-06-18",
                    "capabilities": ["tools": ["listChanged": false]],
                    "serverInfo": ["name": "oauthtop-demo", "version": "1.0.0"],
                ],
            ])
    }

    // MARK: Minting sessions without a browser

    func mint(server: String) throws(DemoProviderError) -> DemoSession {
        guard let behaviour = scenario.behaviour(of: server) else { throw .unknownServer(server) }
        let client = Client(
            id: "demo-\(server)-" + Self.random(4), name: server, redirectURIs: ["http://127.0.0.1/callback"],
            behaviour: behaviour)
        clients[client.id] = client
        let issued = startFamily(clientID: client.id, scope: Self.scope)
        return DemoSession(
            server: server,
            token: TokenResponse(
                accessToken: issued.accessToken, tokenType: "Bearer", refreshToken: issued.refreshToken,
                expiresIn: issued.lifetime, scope: issued.scope),
            clientID: client.id, tokenEndpoint: URL(string: tokenEndpoint)!, resource: resource,
            issuedAt: now())
    }

    // MARK: Helpers

    static func random(_ bytes: Int) -> String {
        (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    /// Exact match, or a loopback redirect that differs only in its port (RFC 8252 section 7.3).
    static func matches(_ redirect: String, _ registered: [String]) -> Bool {
        if registered.contains(redirect) { return true }
        guard let asked = URLComponents(string: redirect), ["127.0.0.1", "localhost", "[::1]", "::1"].contains(asked.host ?? "")
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

    /// `application/x-www-form-urlencoded`.
    static func form(_ body: Data) -> [String: String] {
        var result: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            guard let name = parts.first else { continue }
            result[decode(name)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }
}
