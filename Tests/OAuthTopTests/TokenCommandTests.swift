import Foundation
import RefreshEngine
import Testing
import TokenStore

@testable import oauthtop

@Suite struct TokenCommandTests {
    @Test func headersIsOneJSONObjectWithTheBearerToken() throws {
        let token = #"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl/+="with\quotes"#
        let text = try OAuthTop.Headers.json(accessToken: token)
        #expect(
            text
                == #"{"Authorization":"Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl/+=\"with\\quotes"}"#
        )
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String]
        #expect(parsed == ["Authorization": "Bearer " + token])
    }

    static let session = StoredSession(
        server: "jira", accessToken: "at-0123456789abcdef", refreshToken: "rt-secret",
        issuedAt: Date(timeIntervalSince1970: 1_800_000_000), expiresAt: Date(timeIntervalSince1970: 1_800_003_600))

    @Test func everyTokenFormatIsExactlyWhatItPromises() throws {
        #expect(try TokenFormat.bare.render(Self.session) == "at-0123456789abcdef")
        #expect(try TokenFormat.header.render(Self.session) == "Authorization: Bearer at-0123456789abcdef")
        #expect(
            try TokenFormat.json.render(Self.session)
                == #"{"access_token":"at-0123456789abcdef","expires_at":"2027-01-15T09:00:00Z","token_type":"Bearer"}"#)
        #expect(
            try TokenFormat.execCredential.render(Self.session)
                == #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"expirationTimestamp":"2027-01-15T09:00:00Z","token":"at-0123456789abcdef"}}"#
        )
        var forever = Self.session
        forever.expiresAt = nil
        #expect(try TokenFormat.json.render(forever).contains(#""expires_at":null"#))
        #expect(!(try TokenFormat.execCredential.render(forever)).contains("expirationTimestamp"))
        for format in TokenFormat.allCases { #expect(!(try format.render(Self.session)).contains("rt-secret")) }
    }

    @Test func tokenFailuresMapToDESIGNsExitCodes() {
        #expect(Exit(TokenIssueError.signInRequired("sign in again")) == .signIn)
        #expect(Exit(TokenIssueError.retryable("try again")) == .retryable)
        #expect(Exit(TokenIssueError.configuration("fix the config")) == .usage)
        #expect(tokenFailure(.signInRequired("sign in again")).rawValue == 3)
        #expect(tokenFailure(.retryable("try again")).rawValue == 1)
        #expect(tokenFailure(.configuration("fix the config")).rawValue == 2)
    }
}
