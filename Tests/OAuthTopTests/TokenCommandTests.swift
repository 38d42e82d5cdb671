import Foundation
import RefreshEngine
import Testing

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

    @Test func tokenFailuresMapToDESIGNsExitCodes() {
        #expect(Exit(TokenIssueError.signInRequired("sign in again")) == .signIn)
        #expect(Exit(TokenIssueError.retryable("try again")) == .retryable)
        #expect(Exit(TokenIssueError.configuration("fix the config")) == .usage)
        #expect(tokenFailure(.signInRequired("sign in again")).rawValue == 3)
        #expect(tokenFailure(.retryable("try again")).rawValue == 1)
        #expect(tokenFailure(.configuration("fix the config")).rawValue == 2)
    }
}
