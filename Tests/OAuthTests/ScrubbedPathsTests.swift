import FlyingFox
import Foundation
import Testing

@testable import OAuth

/// Every path by which provider text enters our errors and statuses: a provider whose answer echoes the real secret
/// it was sent (as it was sent, form-encoded, or inside a secret shape) never gets it into the resulting text.
@Suite struct ScrubbedPathsTests {
    static let refreshToken = "rt_Lq8Vn3Xc6Zb1Mk9Wj4Hg7Tf2Rd5Sa0Ye"
    static let accessToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1LTQyIn0.Zm9vYmFyLXNpZ25hdHVyZQ"
    static let clientSecret = "cs-Pz4Kx9Qm2Wv7Bn1Ct6Yh3Jr8Lf5Dg0Sa"
    static let code = "SplxlOBeZQQYbYS6WxSbIA"
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let state = "af0ifjsldkj9f8e7d6c5b4a3"
    static let deviceCode = "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS"

    /// A token endpoint that answers `status` with an OAuth error whose description quotes every form value it got.
    static func echoingEndpoint(_ status: Int = 400, error: String = "invalid_grant") async throws -> FakeTokenEndpoint
    {
        try await FakeTokenEndpoint.start { request in
            let values = FormEncoding.decode(request.body).map(\.1)
            let description = "rejected " + values.joined(separator: " ") + " (raw body: \(request.body))"
            let body = try JSONSerialization.data(
                withJSONObject: ["error": error, "error_description": description])
            return Reply.raw(status, body, headers: ["Content-Type": "application/json"])
        }
    }

    static func text(of error: (any Error)?) -> String { error.map { "\($0)" } ?? "(no error)" }

    static func expectClean(
        _ text: String, of secrets: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for secret in secrets {
            #expect(!text.contains(secret), "\(text)", sourceLocation: sourceLocation)
        }
        #expect(text.contains(ProviderText.mask), "\(text)", sourceLocation: sourceLocation)
    }

    @Test func refreshError() async throws {
        let server = try await Self.echoingEndpoint()
        defer { Task { await server.stop() } }
        let error = await #expect(throws: TokenEndpointError.self) {
            try await TokenClient(timeout: 5).refresh(
                RefreshRequest(
                    tokenEndpoint: server.url, refreshToken: Self.refreshToken, clientID: "c-1",
                    clientSecret: Self.clientSecret, authMethod: .clientSecretPost))
        }
        #expect(error?.code == "invalid_grant")
        Self.expectClean(Self.text(of: error), of: [Self.refreshToken, Self.clientSecret])
    }

    @Test func codeExchangeError() async throws {
        let server = try await Self.echoingEndpoint()
        defer { Task { await server.stop() } }
        let error = await #expect(throws: TokenEndpointError.self) {
            try await TokenClient(timeout: 5).exchangeCode(
                Self.code, verifier: Self.verifier, redirectURI: "http://127.0.0.1:1/callback",
                endpoint: server.url, clientID: "c-1", clientSecret: Self.clientSecret, authMethod: .clientSecretPost,
                knownSecrets: [Self.state])
        }
        Self.expectClean(Self.text(of: error), of: [Self.code, Self.verifier, Self.clientSecret])
        // A provider that quotes the state it saw in the browser is scrubbed too.
        let stateEcho = try await FakeTokenEndpoint.start { _ in
            Reply.json(400, #"{"error":"invalid_request","error_description":"session for \#(Self.state) gone"}"#)
        }
        defer { Task { await stateEcho.stop() } }
        let second = await #expect(throws: TokenEndpointError.self) {
            try await TokenClient(timeout: 5).exchangeCode(
                Self.code, verifier: Self.verifier, redirectURI: "http://127.0.0.1:1/callback",
                endpoint: stateEcho.url, clientID: "c-1", knownSecrets: [Self.state])
        }
        Self.expectClean(Self.text(of: second), of: [Self.state])
    }

    @Test func revocationFailure() async throws {
        let server = try await FakeTokenEndpoint.start { request in
            let token = FormEncoding.decode(request.body).first { $0.0 == "token" }?.1 ?? ""
            return Reply.json(
                400,
                #"{"error":"invalid_request","error_description":"cannot revoke \#(token); access token \#(Self.accessToken) still active"}"#
            )
        }
        defer { Task { await server.stop() } }
        let error = await #expect(throws: TokenEndpointError.self) {
            try await TokenRevoker(timeout: 5).revoke(
                Self.refreshToken, hint: .refreshToken, endpoint: server.url, clientID: "c-1",
                clientSecret: Self.clientSecret, knownSecrets: [Self.accessToken])
        }
        Self.expectClean(Self.text(of: error), of: [Self.refreshToken, Self.accessToken])
    }

    @Test func probeChallengeAndInsufficientScope() async throws {
        let challenge =
            #"Bearer error="invalid_token", error_description="the token \#(Self.accessToken) has expired""#
        let unauthorized = try await ConnectionProbeTests.probe(accessToken: Self.accessToken) { _ in
            Reply.json(401, "{}", headers: ["WWW-Authenticate": challenge])
        }
        guard case .unauthorized(let error) = unauthorized.0 else {
            Issue.record("expected unauthorized, got \(unauthorized.0)")
            return
        }
        Self.expectClean(error, of: [Self.accessToken])

        let scope =
            #"Bearer error="insufficient_scope", scope="files:read", error_description="Bearer \#(Self.accessToken) lacks files:read""#
        let forbidden = try await ConnectionProbeTests.probe(accessToken: Self.accessToken) { _ in
            Reply.json(403, "{}", headers: ["WWW-Authenticate": scope])
        }
        guard case .insufficientScope(let named, let detail) = forbidden.0 else {
            Issue.record("expected insufficientScope, got \(forbidden.0)")
            return
        }
        #expect(named == "files:read")
        Self.expectClean(detail, of: [Self.accessToken])
    }

    @Test func probeResultsFromAnyProberCanBeScrubbed() {
        let result = ProbeResult.unreachable(summary: "x \(Self.refreshToken)", detail: "Bearer \(Self.accessToken)")
        #expect(
            result.scrubbed(knownSecrets: [Self.refreshToken])
                == .unreachable(summary: "x [redacted]", detail: "Bearer [redacted]"))
    }

    @Test func registrationError() async throws {
        let server = try await FakeTokenEndpoint.start { _ in
            Reply.json(
                400,
                #"{"error":"invalid_client_metadata","error_description":"{\"client_secret\":\"\#(Self.clientSecret)\"} conflicts with Bearer \#(Self.accessToken)"}"#
            )
        }
        defer { Task { await server.stop() } }
        let error = await #expect(throws: SignInError.self) {
            try await ClientRegistrar(timeout: 5).register(
                at: URL(string: "http://127.0.0.1:\(server.port)/register")!,
                redirectURI: "http://127.0.0.1:1/callback", scope: nil)
        }
        #expect(error?.kind == .configuration)
        Self.expectClean(Self.text(of: error), of: [Self.clientSecret, Self.accessToken])
    }

    @Test func deviceFlowErrors() async throws {
        let server = try await Self.echoingEndpoint(error: "invalid_client")
        defer { Task { await server.stop() } }
        let client = DeviceAuthorizationClient(timeout: 5)
        let authorizeError = await #expect(throws: TokenEndpointError.self) {
            _ = try await client.authorize(
                at: server.url, clientID: "c-1", clientSecret: Self.clientSecret, authMethod: .clientSecretPost,
                scope: "mcp", resource: nil)
        }
        Self.expectClean(Self.text(of: authorizeError), of: [Self.clientSecret])

        let authorization = DeviceAuthorization(
            deviceCode: Self.deviceCode, userCode: "WDJB-MJHT", verificationURI: "https://as.example/device",
            expiresIn: 600)
        let pollError = await #expect(throws: TokenEndpointError.self) {
            _ = try await client.poll(
                authorization, tokenEndpoint: server.url, clientID: "c-1", clientSecret: Self.clientSecret,
                authMethod: .clientSecretPost, resource: nil)
        }
        Self.expectClean(Self.text(of: pollError), of: [Self.deviceCode, Self.clientSecret])
        var polling = DevicePolling(authorization, server: "s", startedAt: Date(timeIntervalSince1970: 0))
        let step = polling.answered(.failure(try #require(pollError)), now: Date(timeIntervalSince1970: 5))
        guard case .failed(let failure) = step else {
            Issue.record("expected failed, got \(step)")
            return
        }
        Self.expectClean(failure.message, of: [Self.deviceCode, Self.clientSecret])
    }

    @Test func authorizationErrorRedirect() {
        let response = AuthorizationResponse(query: [
            "error": "invalid_request",
            "error_description": "state=\(Self.state) and code_verifier=\(Self.verifier) were not accepted",
        ])
        guard case .error(_, let description?) = response else {
            Issue.record("expected an error with a description, got \(response)")
            return
        }
        Self.expectClean(description, of: [Self.state, Self.verifier])
    }

    @Test func aRedirectFromAnotherIssuerIsQuotedScrubbed() throws {
        let problem = try #require(
            AuthorizationIssuer.problem(
                received: "https://evil.example/?code=\(Self.code)", expected: "https://as.example", required: false))
        Self.expectClean(problem, of: [Self.code])
    }

    @Test func discoveryErrorQuotingTheMetadata() async throws {
        let (server, _) = try await DiscoveryTests.provider([
            "/.well-known/oauth-authorization-server":
                #"{"issuer":"https://as.example/?client_secret=\#(Self.clientSecret)","code_challenge_methods_supported":["S256"]}"#
        ])
        defer { Task { await server.stop() } }
        let error = await #expect(throws: SignInError.self) {
            try await Discovery(timeout: 5).discover(serverURL: URL(string: "http://127.0.0.1:\(server.port)/mcp")!)
        }
        #expect(Self.text(of: error).contains("names the issuer"))
        Self.expectClean(Self.text(of: error), of: [Self.clientSecret])
    }
}
