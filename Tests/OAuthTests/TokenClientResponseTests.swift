import Foundation
import OAuth
import Testing

/// The parser's tolerance list: what real providers send in a successful answer, each case named.
@Suite struct TokenClientResponseTests {
    @Test func fullTokenResponseParsed() async throws {
        let response = try await Exchange.tokens(
            Reply.json(
                #"{"access_token":"at-new","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-new","#
                    + #""scope":"read write","refresh_token_expires_in":86400}"#))
        #expect(
            response
                == TokenResponse(
                    accessToken: "at-new", tokenType: "Bearer", refreshToken: "rt-new", expiresIn: 3600,
                    scope: "read write", refreshTokenExpiresIn: 86400))
    }

    @Test func refreshTokenKeptWhenOmitted() async throws {
        let response = try await Exchange.tokens(Reply.json(#"{"access_token":"at-new","expires_in":60}"#))
        #expect(response.refreshToken == nil)
        #expect(response == TokenResponse(accessToken: "at-new", expiresIn: 60))
    }

    @Test func emptyRefreshTokenTreatedAsOmitted() async throws {
        let response = try await Exchange.tokens(Reply.json(#"{"access_token":"at-new","refresh_token":""}"#))
        #expect(response.refreshToken == nil)
    }

    @Test func expiresInAsString() async throws {
        let response = try await Exchange.tokens(Reply.json(#"{"access_token":"at-new","expires_in":"3600"}"#))
        #expect(response.expiresIn == 3600)
    }

    @Test(arguments: [
        (#"3599.5"#, 3599.5),
        (#""1.25""#, 1.25),
        (#"" 90 ""#, 90),
        (#"0"#, 0),
    ])
    func expiresInFractionalOrPadded(json: String, seconds: Double) async throws {
        let response = try await Exchange.tokens(Reply.json(#"{"access_token":"at-new","expires_in":\#(json)}"#))
        #expect(response.expiresIn == seconds)
    }

    @Test func expiresInAbsentIsNil() async throws {
        let response = try await Exchange.tokens(Reply.json(#"{"access_token":"at-new","token_type":"Bearer"}"#))
        #expect(response.expiresIn == nil)
    }

    @Test(arguments: [#"null"#, #""soon""#, #"true"#, #"{"s":1}"#, #"[3600]"#, #""""#, #""inf""#])
    func expiresInUnreadableIsNil(json: String) async throws {
        let response = try await Exchange.tokens(Reply.json(#"{"access_token":"at-new","expires_in":\#(json)}"#))
        #expect(response == TokenResponse(accessToken: "at-new"))
    }

    @Test func expiresInClampedToInt32Max() async throws {
        let response = try await Exchange.tokens(Reply.json(#"{"access_token":"at-new","expires_in":1e300}"#))
        #expect(response.expiresIn == Double(Int32.max))
    }

    @Test(arguments: ["bearer", "BEARER", "Bearer", "DPoP", "mac"])
    func tokenTypeKeptAsSent(tokenType: String) async throws {
        let response = try await Exchange.tokens(
            Reply.json(#"{"access_token":"at-new","token_type":"\#(tokenType)"}"#))
        #expect(response.tokenType == tokenType)
    }

    @Test(arguments: [#""#, #","token_type":"""#, #","token_type":null"#])
    func tokenTypeDefaultsToBearer(extra: String) async throws {
        let response = try await Exchange.tokens(Reply.json(#"{"access_token":"at-new"\#(extra)}"#))
        #expect(response.tokenType == "Bearer")
    }

    @Test func extraFieldsIgnored() async throws {
        // Salesforce-like: issued_at as a string, instance_url, signature; plus OIDC and nested members.
        let response = try await Exchange.tokens(
            Reply.json(
                #"{"access_token":"at-new","signature":"c2ln","instance_url":"https://x.my.salesforce.com","#
                    + #""id":"https://login.salesforce.com/id/1/2","issued_at":"1700000000000","id_token":"e.y.j","#
                    + #""authed_user":{"id":"U1"},"ok":true,"scopes":["a","b"],"token_type":"Bearer"}"#))
        #expect(response == TokenResponse(accessToken: "at-new"))
    }

    @Test(arguments: [
        (#""refresh_token_expires_in":15897600"#, 15_897_600.0),
        (#""refresh_token_expires_in":"15897600""#, 15_897_600),
        (#""x_refresh_token_expires_in":8726400"#, 8_726_400),
    ])
    func refreshTokenExpiresInNumberOrString(member: String, seconds: Double) async throws {
        let response = try await Exchange.tokens(Reply.json(#"{"access_token":"at-new",\#(member)}"#))
        #expect(response.refreshTokenExpiresIn == seconds)
    }

    @Test func formEncodedTokenResponse() async throws {
        // GitHub's answer when it is not asked for JSON.
        let response = try await Exchange.tokens(
            Reply.form("access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist&token_type=bearer"))
        #expect(
            response
                == TokenResponse(
                    accessToken: "gho_16C7e42F292c6912E7710c838347Ae178B4a", tokenType: "bearer", scope: "repo,gist"))
    }

    @Test func formEncodedAsTextPlainWithNumbersAsText() async throws {
        let response = try await Exchange.tokens(
            Reply.form(
                "access_token=at%2Fnew&expires_in=28800&refresh_token=rt%2Bnew&refresh_token_expires_in=15811200",
                contentType: "text/plain; charset=utf-8"))
        #expect(
            response
                == TokenResponse(
                    accessToken: "at/new", refreshToken: "rt+new", expiresIn: 28800, refreshTokenExpiresIn: 15_811_200))
    }

    @Test(arguments: ["application/json; charset=utf-8", "text/html", "text/plain", "application/octet-stream", ""])
    func jsonBodyReadWhateverTheContentType(contentType: String) async throws {
        let response = try await Exchange.tokens(
            Reply.raw(
                200, Data(#"  {"access_token":"at-new","expires_in":60}"#.utf8), headers: ["Content-Type": contentType])
        )
        #expect(response == TokenResponse(accessToken: "at-new", expiresIn: 60))
    }

    @Test func anyTwoHundredStatusIsSuccess() async throws {
        let response = try await Exchange.tokens(Reply.json(201, #"{"access_token":"at-new"}"#))
        #expect(response.accessToken == "at-new")
    }

    @Test func bodyOfExactly1MiBAccepted() async throws {
        let prefix = #"{"access_token":"at-new","padding":""#, suffix = #""}"#
        let json = prefix + String(repeating: "x", count: (1 << 20) - prefix.utf8.count - suffix.utf8.count) + suffix
        #expect(json.utf8.count == 1 << 20)
        let response = try await Exchange.tokens(Reply.json(json))
        #expect(response == TokenResponse(accessToken: "at-new"))
    }
}
