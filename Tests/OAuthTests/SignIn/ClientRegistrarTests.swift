import Foundation
import Testing

@testable import OAuth

@Suite struct ClientRegistrarTests {
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

    @Test func registrationMetadataIsMergedButNeverItsRedirectURIs() throws {
        let extra = Data(
            #"{"application_type":"native","token_endpoint_auth_method":"none","redirect_uris":["https://evil.example"],"x":{"y":1}}"#
                .utf8)
        let body = ClientRegistrar.requestBody(redirectURI: Self.redirect, scope: "mcp", extra: extra)
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(object["application_type"] as? String == "native")
        #expect(object["redirect_uris"] as? [String] == [Self.redirect])
        #expect((object["x"] as? [String: Any])?["y"] as? Int == 1)
        #expect(object["scope"] as? String == "mcp" && object["client_name"] as? String == "oauthtop")
    }

    @Test func usesTheValuesInTheResponse() throws {
        let client = try ClientRegistrar.interpret(
            Self.answer(
                201,
                #"{"client_id":"c-1","client_secret":"\#(Self.secret)","token_endpoint_auth_method":"client_secret_post","client_secret_expires_at":0,"redirect_uris":["\#(Self.redirect)"]}"#
            ),
            endpoint: Self.endpoint, redirectURI: Self.redirect)
        #expect(
            client
                == RegisteredClient(
                    clientID: "c-1", clientSecret: Self.secret, authMethod: .clientSecretPost,
                    redirectURIs: [Self.redirect]))
        #expect("\(client)" == "RegisteredClient(c-1, auth: client_secret_post)")
        #expect(!"\(client)".contains(Self.secret))
    }

    @Test func aSecretWithoutAMethodMeansBasic() throws {
        let client = try ClientRegistrar.interpret(
            Self.answer(
                200, #"{"client_id":"c-1","client_secret":"\#(Self.secret)","client_secret_expires_at":1900000000}"#),
            endpoint: Self.endpoint, redirectURI: Self.redirect)
        #expect(client.authMethod == .clientSecretBasic)
        #expect(client.clientSecretExpiresAt == Date(timeIntervalSince1970: 1_900_000_000))
    }

    @Test func refusalsAreConfigurationErrorsAndOutagesNetworkErrors() {
        #expect(
            throws: SignInError(
                .configuration,
                "client registration at https://auth.example.com/register was refused: HTTP 400 invalid_redirect_uri: "
                    + "loopback only; set oauth.client_id in the config to use a pre-registered client")
        ) {
            try ClientRegistrar.interpret(
                Self.answer(400, #"{"error":"invalid_redirect_uri","error_description":"loopback only"}"#),
                endpoint: Self.endpoint, redirectURI: Self.redirect)
        }
        #expect(throws: SignInError(.network, "client registration at https://auth.example.com/register: HTTP 503")) {
            try ClientRegistrar.interpret(
                Self.answer(503, "<html></html>"), endpoint: Self.endpoint, redirectURI: Self.redirect)
        }
        #expect(
            throws: SignInError(
                .provider,
                "client registration at https://auth.example.com/register: the server did not register the redirect URI "
                    + "http://127.0.0.1:53682/callback")
        ) {
            try ClientRegistrar.interpret(
                Self.answer(201, #"{"client_id":"c","redirect_uris":["http://127.0.0.1:1/other"]}"#),
                endpoint: Self.endpoint, redirectURI: Self.redirect)
        }
    }
}
