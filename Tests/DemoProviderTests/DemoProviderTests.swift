import Foundation
import OAuth
import Testing

@testable import DemoProvider

/// Runs `body` against a provider listening on 127.0.0.1, and stops it afterwards.
func withProvider(
    _ scenario: DemoScenario = .standard(), clock: TestClock = TestClock(),
    _ body: (DemoProvider, HTTP) async throws -> Void
) async throws {
    let provider = try DemoProvider(scenario: scenario, now: { clock.now })
    let base = try await provider.start()
    defer { Task { await provider.stop() } }
    try await body(provider, HTTP(base: base))
}

@Suite struct DemoProviderDiscoveryTests {
    @Test func listensOnAnEphemeralLoopbackPort() async throws {
        try await withProvider { provider, _ in
            let base = try #require(provider.baseURL)
            let port = try #require(base.port)
            #expect(base.absoluteString == "http://127.0.0.1:\(port)")
            #expect(try await provider.start() == base, "starting again keeps the port")
            #expect(Self.ephemeralPorts().contains(port), "the kernel chose it")
            #expect(provider.mcpURL?.absoluteString == "http://127.0.0.1:\(port)/mcp")
            // The port is the one that answers, and the metadata names it.
            let answer = try await HTTP(base: URL(string: "http://127.0.0.1:\(port)")!)
                .get("/.well-known/oauth-authorization-server")
            #expect(answer.status == 200)
            #expect(answer.json["issuer"] as? String == "http://127.0.0.1:\(port)")
        }
    }

    /// The kernel's range for ephemeral ports (Linux: /proc/sys/net/ipv4/ip_local_port_range).
    static func ephemeralPorts() -> ClosedRange<Int> {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let bounds = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        return bounds.count == 2 ? bounds[0]...bounds[1] : 1024...65535
    }

    @Test func authorizationServerMetadata() async throws {
        try await withProvider { provider, http in
            let base = provider.baseURL!.absoluteString
            let answer = try await http.get("/.well-known/oauth-authorization-server")
            #expect(answer.status == 200)
            #expect(answer.header("Content-Type") == "application/json")
            #expect(
                answer.text
                    == #"{"authorization_endpoint":"\#(base)/authorize","code_challenge_methods_supported":["S256"],"#
                    + #""grant_types_supported":["authorization_code","refresh_token"],"issuer":"\#(base)","#
                    + #""registration_endpoint":"\#(base)/register","response_types_supported":["code"],"#
                    + #""revocation_endpoint":"\#(base)/revoke","revocation_endpoint_auth_methods_supported":["none"],"#
                    + #""scopes_supported":["mcp:read","mcp:write"],"token_endpoint":"\#(base)/token","#
                    + #""token_endpoint_auth_methods_supported":["none"]}"#)
        }
    }

    @Test func protectedResourceMetadata() async throws {
        try await withProvider { provider, http in
            let base = provider.baseURL!.absoluteString
            let answer = try await http.get("/.well-known/oauth-protected-resource/mcp")
            #expect(answer.status == 200)
            #expect(
                answer.text
                    == #"{"authorization_servers":["\#(base)"],"bearer_methods_supported":["header"],"#
                    + #""resource":"\#(base)/mcp","resource_name":"oauthtop demo MCP server","#
                    + #""scopes_supported":["mcp:read","mcp:write"]}"#)
        }
    }

    @Test func unknownPathsAre404() async throws {
        try await withProvider { _, http in
            let answer1 = try await http.get("/nothing-here")
            #expect(answer1.status == 404)
        }
    }
}

@Suite struct DemoProviderSignInTests {
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    static let redirect = "http://127.0.0.1:53682/callback"

    func register(_ http: HTTP, name: String = "flaky") async throws -> String {
        let answer = try await http.post(
            "/register", json: #"{"client_name":"\#(name)","redirect_uris":["\#(Self.redirect)"]}"#)
        #expect(answer.status == 201)
        return try #require(answer.json["client_id"] as? String)
    }

    func authorize(_ http: HTTP, client: String, state: String = "xyz") async throws -> HTTP.Answer {
        try await http.get(
            "/authorize?response_type=code&client_id=\(client)&redirect_uri=\(HTTP.encode(Self.redirect))"
                + "&state=\(state)&code_challenge=\(Self.challenge)&code_challenge_method=S256&scope=mcp:read")
    }

    @Test func registrationAcceptsPublicClientsOnly() async throws {
        try await withProvider { _, http in
            let ok = try await http.post(
                "/register", json: #"{"client_name":"cli","redirect_uris":["http://127.0.0.1/cb"]}"#)
            #expect(ok.status == 201)
            let client = try #require(ok.json["client_id"] as? String)
            #expect(client.hasPrefix("demo-"))
            #expect(ok.json["token_endpoint_auth_method"] as? String == "none")
            #expect(ok.json["redirect_uris"] as? [String] == ["http://127.0.0.1/cb"])
            #expect(ok.json["grant_types"] as? [String] == ["authorization_code", "refresh_token"])

            let noRedirect = try await http.post("/register", json: #"{"client_name":"cli"}"#)
            #expect(noRedirect.status == 400)
            #expect(
                noRedirect.text
                    == #"{"error":"invalid_redirect_uri","error_description":"redirect_uris must list http(s) URLs"}"#)
            let secret = try await http.post(
                "/register",
                json: #"{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"client_secret_post"}"#)
            #expect(secret.status == 400)
            #expect(secret.json["error"] as? String == "invalid_client_metadata")
            let garbage = try await http.post("/register", json: "[1,2]")
            #expect(garbage.status == 400)
        }
    }

    @Test func authorizeAutoApprovesWithCodeAndState() async throws {
        try await withProvider { provider, http in
            let client = try await register(http)
            let answer = try await authorize(http, client: client)
            #expect(answer.status == 302)
            let location = try #require(answer.header("Location").flatMap(URLComponents.init(string:)))
            #expect(location.host == "127.0.0.1" && location.port == 53682 && location.path == "/callback")
            let items = Dictionary(uniqueKeysWithValues: (location.queryItems ?? []).map { ($0.name, $0.value ?? "") })
            #expect(items["state"] == "xyz")
            #expect(items["code"]?.count == 32)
            #expect(items["iss"] == provider.baseURL!.absoluteString)
        }
    }

    @Test func authorizeRefusesWhatItCannotTrust() async throws {
        try await withProvider { _, http in
            let unknown = try await http.get("/authorize?response_type=code&client_id=nobody&redirect_uri=x")
            #expect(unknown.status == 400)
            #expect(unknown.text == #"{"error":"invalid_client","error_description":"unknown client_id"}"#)
            let client = try await register(http)
            let elsewhere = try await http.get(
                "/authorize?response_type=code&client_id=\(client)&redirect_uri=\(HTTP.encode("http://evil.example/cb"))"
            )
            #expect(elsewhere.status == 400)
            #expect(elsewhere.json["error"] as? String == "invalid_request")
            // Once the redirect is trusted, errors go back to it.
            let noPKCE = try await http.get(
                "/authorize?response_type=code&client_id=\(client)&redirect_uri=\(HTTP.encode(Self.redirect))&state=s1")
            #expect(noPKCE.status == 302)
            #expect(
                noPKCE.header("Location")
                    == Self.redirect
                    + "?error=invalid_request&error_description=code_challenge%20is%20required%20(PKCE)&state=s1")
        }
    }

    @Test func codeExchangeChecksPKCEAndIssuesTokens() async throws {
        try await withProvider { _, http in
            let client = try await register(http, name: "rotating")
            var location = try await authorize(http, client: client).header("Location")!
            var code = URLComponents(string: location)!.queryItems!.first { $0.name == "code" }!.value!
            let wrong = try await http.post(
                "/token",
                form: [
                    "grant_type": "authorization_code", "code": code, "client_id": client,
                    "redirect_uri": Self.redirect,
                    "code_verifier": "not-the-verifier",
                ])
            #expect(wrong.status == 400)
            #expect(wrong.text == #"{"error":"invalid_grant","error_description":"PKCE verification failed"}"#)
            #expect(wrong.header("Cache-Control") == "no-store")

            location = try await authorize(http, client: client).header("Location")!
            code = URLComponents(string: location)!.queryItems!.first { $0.name == "code" }!.value!
            let form = [
                "grant_type": "authorization_code", "code": code, "client_id": client, "redirect_uri": Self.redirect,
                "code_verifier": Self.verifier,
            ]
            let ok = try await http.post("/token", form: form)
            #expect(ok.status == 200)
            #expect(ok.header("Cache-Control") == "no-store")
            #expect(Set(ok.json.keys) == ["access_token", "token_type", "expires_in", "refresh_token", "scope"])
            #expect(ok.json["token_type"] as? String == "Bearer")
            #expect(ok.json["expires_in"] as? Int == 20, "the rotating archetype's lifetime")
            #expect(ok.json["scope"] as? String == "mcp:read")
            let again = try await http.post("/token", form: form)
            #expect(again.status == 400)
            #expect(
                again.text
                    == #"{"error":"invalid_grant","error_description":"the authorization code is unknown, used or expired"}"#
            )
        }
    }

    @Test func tokenEndpointErrorsFollowRFC6749() async throws {
        try await withProvider { provider, http in
            let session = try await provider.mintSession(for: "short-lived")
            let missing = try await http.post("/token", form: ["client_id": session.clientID])
            #expect(missing.status == 400)
            #expect(missing.text == #"{"error":"invalid_request","error_description":"grant_type is required"}"#)
            let unsupported = try await http.post("/token", form: ["grant_type": "password"])
            #expect(unsupported.status == 400)
            #expect(
                unsupported.text
                    == #"{"error":"unsupported_grant_type","error_description":"grant_type password is not supported"}"#
            )
            let stranger = try await http.post(
                "/token", form: ["grant_type": "refresh_token", "refresh_token": "x", "client_id": "nobody"])
            #expect(stranger.status == 401)
            #expect(stranger.text == #"{"error":"invalid_client","error_description":"unknown client_id"}"#)
            let unknown = try await http.post(
                "/token", form: ["grant_type": "refresh_token", "refresh_token": "x", "client_id": session.clientID])
            #expect(unknown.status == 400)
            #expect(unknown.text == #"{"error":"invalid_grant","error_description":"the refresh token is unknown"}"#)
        }
    }
}

@Suite struct DemoProviderMCPTests {
    @Test func mcpWithoutABearerPointsAtTheResourceMetadata() async throws {
        try await withProvider { provider, http in
            let base = provider.baseURL!.absoluteString
            let answer = try await http.post("/mcp", json: #"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#)
            #expect(answer.status == 401)
            #expect(
                answer.header("WWW-Authenticate")
                    == #"Bearer resource_metadata="\#(base)/.well-known/oauth-protected-resource/mcp""#)
            let bad = try await http.post(
                "/mcp", json: #"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#,
                headers: ["Authorization": "Bearer nope"])
            #expect(bad.status == 401)
            #expect(bad.header("WWW-Authenticate")?.hasSuffix(#", error="invalid_token""#) == true)
        }
    }

    @Test func mcpInitializeWithAValidBearer() async throws {
        let clock = TestClock()
        try await withProvider(clock: clock) { provider, http in
            let session = try await provider.mintSession(for: "short-lived")
            let auth = ["Authorization": "Bearer " + session.token.accessToken]
            let answer = try await http.post(
                "/mcp", json: #"{"jsonrpc":"2.0","id":7,"method":"initialize","params":{}}"#, headers: auth)
            #expect(answer.status == 200)
            #expect(
                answer.text
                    == #"{"id":7,"jsonrpc":"2.0","result":{"capabilities":{"tools":{"listChanged":false}},"#
                    + #""protocolVersion":"2025-06-18","serverInfo":{"name":"oauthtop-demo","version":"1.0.0"}}}"#)
            let notification = try await http.post(
                "/mcp", json: #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, headers: auth)
            #expect(notification.status == 202)
            clock.advance(16)
            let expired = try await http.post(
                "/mcp", json: #"{"jsonrpc":"2.0","id":8,"method":"initialize"}"#, headers: auth)
            #expect(expired.status == 401, "15 s tokens")
        }
    }
}

@Suite struct DemoProviderScenarioTests {
    func refresh(_ http: HTTP, _ session: DemoSession, token: String? = nil) async throws -> HTTP.Answer {
        try await http.post(
            "/token",
            form: [
                "grant_type": "refresh_token", "refresh_token": token ?? session.token.refreshToken!,
                "client_id": session.clientID, "resource": session.resource,
            ])
    }

    @Test func mintedSessionsCarryTheScenarioLifetimes() async throws {
        try await withProvider { provider, _ in
            let base = provider.baseURL!.absoluteString
            let session = try await provider.mintSession(for: "no-refresh")
            #expect(session.token.expiresIn == 75)
            #expect(session.token.refreshToken == nil)
            #expect(session.token.tokenType == "Bearer")
            #expect(session.tokenEndpoint.absoluteString == base + "/token")
            #expect(session.resource == base + "/mcp")
            #expect(session.clientID.hasPrefix("demo-no-refresh-"))
            await #expect(throws: DemoProviderError.unknownServer("nope")) {
                try await provider.mintSession(for: "nope")
            }
        }
    }

    @Test func steadyTokensRefreshWithoutANewRefreshToken() async throws {
        try await withProvider { provider, http in
            let session = try await provider.mintSession(for: "short-lived")
            for _ in 0..<2 {
                let answer = try await refresh(http, session)
                #expect(answer.status == 200)
                #expect(answer.json["refresh_token"] == nil)
                #expect(answer.json["expires_in"] as? Int == 15)
            }
        }
    }

    @Test func rotationInvalidatesTheOldTokenAndReuseRevokesTheFamily() async throws {
        try await withProvider { provider, http in
            let session = try await provider.mintSession(for: "rotating")
            let first = try await refresh(http, session)
            #expect(first.status == 200)
            let rotated = try #require(first.json["refresh_token"] as? String)
            #expect(rotated != session.token.refreshToken)
            let reused = try await refresh(http, session)
            #expect(reused.status == 400)
            #expect(
                reused.text
                    == #"{"error":"invalid_grant","error_description":"a rotated refresh token was used again; the session is revoked"}"#
            )
            let after = try await refresh(http, session, token: rotated)
            #expect(after.status == 400)
            #expect(
                after.json["error_description"] as? String == "refresh token reuse detected; the session was revoked")
        }
    }

    @Test func flakyAnswersBurstsOfHTML503ThenRecovers() async throws {
        try await withProvider(
            DemoScenario(servers: [DemoServer(name: "f", behaviour: .flaky(lifetime: 20, failures: 2))])
        ) {
            provider, http in
            let session = try await provider.mintSession(for: "f")
            for _ in 0..<2 {
                let failure = try await refresh(http, session)
                #expect(failure.status == 503)
                #expect(failure.header("Content-Type") == "text/html; charset=utf-8")
                #expect(failure.text.hasPrefix("<!DOCTYPE html><html><head><title>503 Service Unavailable</title>"))
            }
            let answer2 = try await refresh(http, session)
            #expect(answer2.status == 200)
            let answer3 = try await refresh(http, session)
            #expect(answer3.status == 503, "the next cycle starts with a burst again")
        }
    }

    @Test func throttledAnswers429WithRetryAfterThenSucceeds() async throws {
        try await withProvider { provider, http in
            let session = try await provider.mintSession(for: "throttled")
            let limited = try await refresh(http, session)
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") == "4")
            #expect(
                limited.text
                    == #"{"error":"temporarily_unavailable","error_description":"too many requests; retry after 4 seconds"}"#
            )
            let ok = try await refresh(http, session)
            #expect(ok.status == 200)
            #expect(ok.json["expires_in"] as? Int == 25)
        }
    }

    @Test func revokedRefreshTokensTurnIntoInvalidGrant() async throws {
        let clock = TestClock()
        try await withProvider(clock: clock) { provider, http in
            let session = try await provider.mintSession(for: "revoked")
            clock.advance(16)
            let first = try await refresh(http, session)
            #expect(first.status == 200)
            let rotated = try #require(first.json["refresh_token"] as? String)
            clock.advance(16)
            let dead = try await refresh(http, session, token: rotated)
            #expect(dead.status == 400)
            #expect(
                dead.text
                    == #"{"error":"invalid_grant","error_description":"the refresh token was revoked by the provider"}"#
            )
        }
    }

    @Test func revocationEndpointKillsTheRefreshTokenAndItsAccessTokens() async throws {
        try await withProvider { provider, http in
            let session = try await provider.mintSession(for: "rotating")
            let revoked = try await http.post(
                "/revoke", form: ["token": session.token.refreshToken!, "client_id": session.clientID])
            #expect(revoked.status == 200)
            #expect(revoked.body.isEmpty)
            let answer4 = try await refresh(http, session)
            #expect(answer4.status == 400)
            let mcp = try await http.post(
                "/mcp", json: #"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#,
                headers: ["Authorization": "Bearer " + session.token.accessToken])
            #expect(mcp.status == 401)
            let answer5 = try await http.post("/revoke", form: [:])
            #expect(answer5.status == 400)
        }
    }
}

@Suite struct DemoProviderLatencyTests {
    @Test func theTokenEndpointCanTakeItsTime() async throws {
        var scenario = DemoScenario.standard()
        scenario.tokenLatency = 0.3
        try await withProvider(scenario) { provider, http in
            let session = try await provider.mintSession(for: "short-lived")
            let started = ContinuousClock.now
            let answer = try await http.post(
                "/token",
                form: [
                    "grant_type": "refresh_token", "refresh_token": session.token.refreshToken!,
                    "client_id": session.clientID,
                ])
            #expect(answer.status == 200)
            #expect(ContinuousClock.now - started >= .milliseconds(300))
        }
    }
}
