import Foundation
import OAuth

/// The token endpoint (authorization code and refresh token grants, with the scripted behaviours), revocation, and
/// sessions minted without a browser.
extension DemoAuthority {
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

    func exchange(_ form: [String: String]) -> Reply {
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

    func refresh(_ form: [String: String]) -> Reply {
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

    func startFamily(clientID: String, scope: String) -> Issued {
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

    func issueAccess(family id: Int, refreshToken: String?) -> Issued {
        let now = now()
        accessTokens = accessTokens.filter { $0.value.expires > now }
        let family = families[id]!
        let access = "demo-at-" + Self.random(16)
        accessTokens[access] = (id, now.addingTimeInterval(family.behaviour.lifetime))
        return Issued(
            accessToken: access, refreshToken: refreshToken, lifetime: family.behaviour.lifetime, scope: family.scope)
    }

    func tokenReply(_ issued: Issued) -> Reply {
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
}
