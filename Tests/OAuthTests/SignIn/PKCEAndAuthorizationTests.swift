import Foundation
import Testing

@testable import OAuth

@Suite struct PKCETests {
    /// RFC 7636 appendix B.
    @Test func appendixBVector() {
        let pkce = PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        #expect(pkce.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(PKCE.method == "S256")
    }

    @Test func freshVerifiersAre43UnreservedCharactersAndDiffer() {
        let first = PKCE(), second = PKCE()
        #expect(first.verifier.count == 43)
        #expect(PKCE.isValidVerifier(first.verifier))
        #expect(first.verifier != second.verifier)
        #expect(first.challenge == PKCE.challenge(for: first.verifier))
        #expect("\(first)" == "PKCE(S256, challenge: \(first.challenge))")
        #expect(!"\(first)".contains(first.verifier))
    }

    @Test func verifierRules() {
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 42)))
        #expect(PKCE.isValidVerifier(String(repeating: "a", count: 128)))
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 129)))
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 42) + "+"))
    }

    @Test func statesAreRandomAndURLSafe() {
        let state = OAuthState.generate()
        #expect(state.count == 43)
        #expect(state != OAuthState.generate())
        #expect(state.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }
}

@Suite struct AuthorizationRequestTests {
    static let state = "Xq3vB8nK1mZ6wR0tY5pL9cJ2hF7dG4sA-_eUoIiNaQk"
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    static let request = AuthorizationRequest(
        endpoint: URL(string: "https://auth.example.com/authorize")!, clientID: "client 1",
        redirectURI: "http://127.0.0.1:53682/callback", scope: "mcp read", state: state, codeChallenge: challenge,
        resource: "https://mcp.example.com/mcp", extraParameters: ["audience": "api", "state": "evil", "prompt": "consent"])

    @Test func parametersInOrderWithExtrasSortedAndReservedNamesIgnored() {
        #expect(Self.request.parameters.map(\.0) == [
            "response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method",
            "resource", "audience", "prompt",
        ])
        #expect(Self.request.parameters.first { $0.0 == "state" }?.1 == Self.state)
    }

    @Test func urlPercentEncodesEveryValue() {
        #expect(Self.request.url.absoluteString == "https://auth.example.com/authorize?response_type=code"
            + "&client_id=client%201&redirect_uri=http%3A%2F%2F127.0.0.1%3A53682%2Fcallback&scope=mcp%20read"
            + "&state=\(Self.state)&code_challenge=\(Self.challenge)&code_challenge_method=S256"
            + "&resource=https%3A%2F%2Fmcp.example.com%2Fmcp&audience=api&prompt=consent")
    }

    @Test func keepsTheEndpointsOwnQueryAndLeavesOutAnEmptyScope() {
        var request = Self.request
        request.endpoint = URL(string: "https://auth.example.com/oauth?tenant=t1")!
        request.scope = nil
        request.resource = nil
        request.extraParameters = [:]
        #expect(request.url.absoluteString == "https://auth.example.com/oauth?tenant=t1&response_type=code"
            + "&client_id=client%201&redirect_uri=http%3A%2F%2F127.0.0.1%3A53682%2Fcallback&state=\(Self.state)"
            + "&code_challenge=\(Self.challenge)&code_challenge_method=S256")
        #expect("\(request)" == "AuthorizationRequest(https://auth.example.com/oauth?tenant=t1, client_id: client 1)")
        #expect(!"\(request)".contains(Self.state))
    }

    @Test func redirectParameters() {
        let code = "SplxlOBeZQQYbYS6WxSbIA-4f0e9c2b7a1d"
        #expect(AuthorizationResponse(query: ["code": code, "state": Self.state]) == .code(code))
        #expect(
            AuthorizationResponse(query: ["error": "access_denied", "error_description": "no", "code": code])
                == .error(code: "access_denied", description: "no"))
        #expect(AuthorizationResponse(query: ["state": Self.state]) == .malformed)
        #expect(AuthorizationResponse(query: ["code": ""]) == .malformed)
        #expect("\(AuthorizationResponse.code(code))" == "AuthorizationResponse(code)")
        let parameters = AuthorizationResponse.parameters(query: "error_description=The+user%20said+no&state=a%2Bb&state=x")
        #expect(parameters == ["error_description": "The user said no", "state": "a+b"])
    }
}

@Suite struct BearerChallengeTests {
    @Test func theMCPSDKsChallenge() throws {
        let challenge = try #require(BearerChallenge(header:
            #"Bearer error="invalid_token", error_description="Authentication required", resource_metadata="http://127.0.0.1:8765/.well-known/oauth-protected-resource/mcp""#))
        #expect(challenge.error == "invalid_token")
        #expect(challenge.errorDescription == "Authentication required")
        #expect(challenge.resourceMetadata == "http://127.0.0.1:8765/.well-known/oauth-protected-resource/mcp")
        #expect(challenge.summary == "invalid_token: Authentication required")
    }

    @Test func caseInsensitiveSchemeBareTokensEscapesAndOtherSchemes() throws {
        let challenge = try #require(BearerChallenge(header:
            #"Basic realm="x", bearer realm="a \"b\"", scope="mcp files:read", error=invalid_token, DPoP algs="ES256""#))
        #expect(challenge.parameters["realm"] == #"a "b""#)
        #expect(challenge.scope == "mcp files:read")
        #expect(challenge.error == "invalid_token")
        #expect(challenge.parameters["algs"] == nil)
        #expect(BearerChallenge(header: #"Basic realm="x""#) == nil)
        #expect(BearerChallenge(header: "Bearer")?.summary == nil)
    }
}

@Suite struct RegistrationAnswerTests {
    static let endpoint = URL(string: "https://auth.example.com/register")!
    static let redirect = "http://127.0.0.1:53682/callback"

    static func answer(_ status: Int, _ json: String) -> HTTPAnswer {
        HTTPAnswer(status: status, contentType: "application/json", body: Data(json.utf8))
    }

    @Test func requestBodyIsAPublicNativeClient() throws {
        let body = try #require(
            JSONSerialization.jsonObject(with: ClientRegistrar.requestBody(redirectURI: Self.redirect, scope: "mcp"))
                as? [String: Any])
        #expect(body["token_endpoint_auth_method"] as? String == "none")
        #expect(body["redirect_uris"] as? [String] == [Self.redirect])
        #expect(body["grant_types"] as? [String] == ["authorization_code", "refresh_token"])
        #expect(body["response_types"] as? [String] == ["code"])
        #expect(body["scope"] as? String == "mcp")
        #expect(body["client_name"] as? String == "oauthtop")
    }

    static let secret = "cs-9fK2mQ7vX4bN1zR8tW3yL6pH0dJ5sGa"

    @Test func usesTheValuesInTheResponse() throws {
        let client = try ClientRegistrar.interpret(
            Self.answer(201, #"{"client_id":"c-1","client_secret":"\#(Self.secret)","token_endpoint_auth_method":"client_secret_post","client_secret_expires_at":0,"redirect_uris":["\#(Self.redirect)"]}"#),
            endpoint: Self.endpoint, redirectURI: Self.redirect)
        #expect(client == RegisteredClient(
            clientID: "c-1", clientSecret: Self.secret, authMethod: .clientSecretPost, redirectURIs: [Self.redirect]))
        #expect("\(client)" == "RegisteredClient(c-1, auth: client_secret_post)")
        #expect(!"\(client)".contains(Self.secret))
    }

    @Test func aSecretWithoutAMethodMeansBasic() throws {
        let client = try ClientRegistrar.interpret(
            Self.answer(200, #"{"client_id":"c-1","client_secret":"\#(Self.secret)","client_secret_expires_at":1900000000}"#),
            endpoint: Self.endpoint, redirectURI: Self.redirect)
        #expect(client.authMethod == .clientSecretBasic)
        #expect(client.clientSecretExpiresAt == Date(timeIntervalSince1970: 1_900_000_000))
    }

    @Test func refusalsAreConfigurationErrorsAndOutagesNetworkErrors() {
        #expect(throws: SignInError(
            .configuration,
            "client registration at https://auth.example.com/register was refused: HTTP 400 invalid_redirect_uri: "
                + "loopback only; set oauth.client_id in the config to use a pre-registered client")) {
            try ClientRegistrar.interpret(
                Self.answer(400, #"{"error":"invalid_redirect_uri","error_description":"loopback only"}"#),
                endpoint: Self.endpoint, redirectURI: Self.redirect)
        }
        #expect(throws: SignInError(.network, "client registration at https://auth.example.com/register: HTTP 503")) {
            try ClientRegistrar.interpret(Self.answer(503, "<html></html>"), endpoint: Self.endpoint, redirectURI: Self.redirect)
        }
        #expect(throws: SignInError(
            .provider,
            "client registration at https://auth.example.com/register: the server did not register the redirect URI "
                + "http://127.0.0.1:53682/callback")) {
            try ClientRegistrar.interpret(
                Self.answer(201, #"{"client_id":"c","redirect_uris":["http://127.0.0.1:1/other"]}"#),
                endpoint: Self.endpoint, redirectURI: Self.redirect)
        }
    }
}
