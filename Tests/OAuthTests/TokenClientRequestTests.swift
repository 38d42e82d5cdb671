import Foundation
import OAuth
import Testing

/// What the token endpoint receives: body, client authentication and headers, byte for byte.
@Suite struct TokenClientRequestTests {
    static let ok = Reply.json(#"{"access_token":"at-new","token_type":"Bearer"}"#)

    @Test func publicClientSendsGrantRefreshTokenAndClientIDInBody() async throws {
        let exchange = try await Exchange.refresh { _ in Self.ok }
        let request = try exchange.request
        #expect(request.method == "POST")
        #expect(request.path == "/token")
        #expect(request.body == "grant_type=refresh_token&refresh_token=rt-old&client_id=client-1")
        #expect(request.headers["authorization"] == nil)
    }

    @Test func headersAskForJSONAndNameTheClient() async throws {
        let request = try await Exchange.refresh { _ in Self.ok }.request
        #expect(request.headers["accept"] == "application/json")
        #expect(request.headers["content-type"] == "application/x-www-form-urlencoded")
        #expect(request.headers["user-agent"] == "oauthtop/0.1")
    }

    @Test func clientSecretPostSendsSecretInBody() async throws {
        let request = try await Exchange.refresh(request: { endpoint in
            RefreshRequest(
                tokenEndpoint: endpoint, refreshToken: "rt-old", clientID: "client-1", clientSecret: "s3cret",
                authMethod: .clientSecretPost)
        }) { _ in Self.ok }.request
        #expect(request.body == "grant_type=refresh_token&refresh_token=rt-old&client_id=client-1&client_secret=s3cret")
        #expect(request.headers["authorization"] == nil)
    }

    @Test func basicAuthAlsoSendsClientIDInBody() async throws {
        let request = try await Exchange.refresh(request: { endpoint in
            RefreshRequest(
                tokenEndpoint: endpoint, refreshToken: "rt-old", clientID: "app:1 é", clientSecret: "p+ss:w/rd",
                authMethod: .clientSecretBasic)
        }) { _ in Self.ok }.request
        // RFC 6749 section 2.3.1: each part form-encoded, then joined by ':' and base64-encoded.
        #expect(request.basicCredentials == "app%3A1%20%C3%A9:p%2Bss%3Aw%2Frd")
        #expect(request.body == "grant_type=refresh_token&refresh_token=rt-old&client_id=app%3A1%20%C3%A9")
    }

    @Test func basicAuthWithoutSecretSendsEmptyPassword() async throws {
        let request = try await Exchange.refresh(request: { endpoint in
            RefreshRequest(
                tokenEndpoint: endpoint, refreshToken: "rt-old", clientID: "client-1", authMethod: .clientSecretBasic)
        }) { _ in Self.ok }.request
        #expect(request.basicCredentials == "client-1:")
    }

    @Test func plusSignIsPercentEncoded() async throws {
        let request = try await Exchange.refresh(request: { endpoint in
            RefreshRequest(tokenEndpoint: endpoint, refreshToken: "a+b/c=d&e f~ü.-_", clientID: "client+1")
        }) { _ in Self.ok }.request
        #expect(
            request.body
                == "grant_type=refresh_token&refresh_token=a%2Bb%2Fc%3Dd%26e%20f~%C3%BC.-_&client_id=client%2B1")
    }

    @Test func resourceSent() async throws {
        let request = try await Exchange.refresh(request: { endpoint in
            RefreshRequest(
                tokenEndpoint: endpoint, refreshToken: "rt-old", clientID: "client-1",
                resource: "https://mcp.example.com/mcp")
        }) { _ in Self.ok }.request
        #expect(
            request.body
                == "grant_type=refresh_token&refresh_token=rt-old&client_id=client-1"
                + "&resource=https%3A%2F%2Fmcp.example.com%2Fmcp")
    }

    @Test func scopeSentOnlyWhenRequested() async throws {
        let narrowed = try await Exchange.refresh(request: { endpoint in
            RefreshRequest(tokenEndpoint: endpoint, refreshToken: "rt-old", clientID: "client-1", scope: "read write")
        }) { _ in Self.ok }.request
        #expect(narrowed.body == "grant_type=refresh_token&refresh_token=rt-old&scope=read%20write&client_id=client-1")

        let unchanged = try await Exchange.refresh { _ in Self.ok }.request
        #expect(!unchanged.body.contains("scope"))
    }

    @Test func requestTokenSendsCallerParametersThenClientAuthentication() async throws {
        let endpoint = try await FakeTokenEndpoint.start { _ in Self.ok }
        let client = TokenClient(timeout: 5, userAgent: "test-agent/2")
        let response = try await client.requestToken(
            endpoint: endpoint.url,
            parameters: [
                ("grant_type", "authorization_code"), ("code", "ac-1"), ("redirect_uri", "http://127.0.0.1:8765/cb"),
                ("code_verifier", "v-1"),
            ],
            clientID: "client-1", clientSecret: "s3cret", authMethod: .clientSecretPost,
            resource: "https://mcp.example.com")
        let received = endpoint.received
        await endpoint.stop()
        #expect(response == TokenResponse(accessToken: "at-new"))
        #expect(received.count == 1)
        #expect(
            received.first?.body
                == "grant_type=authorization_code&code=ac-1&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcb"
                + "&code_verifier=v-1&client_id=client-1&client_secret=s3cret&resource=https%3A%2F%2Fmcp.example.com")
        #expect(received.first?.headers["user-agent"] == "test-agent/2")
    }
}
