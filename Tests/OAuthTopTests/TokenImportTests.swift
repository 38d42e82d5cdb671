import Foundation
import Testing
import TokenStore

@testable import oauthtop

@Suite struct TokenImportTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let server = ServerConfig(
        name: "jira", url: "https://mcp.example.com/mcp", enabled: true, oauth: OAuthSettings())

    @Test func readsATokenResponseWithItsClient() throws {
        let json = """
            {"access_token": "at_1", "refresh_token": "rt_1", "expires_in": "300", "token_type": "bearer",
             "scope": "mcp", "client_id": "c1", "token_endpoint": "http://127.0.0.1:8765/token"}
            """
        let session = try TokenImport.parse(Data(json.utf8), server: Self.server, now: Self.now)
        #expect(session.accessToken == "at_1" && session.refreshToken == "rt_1")
        #expect(session.expiresAt == Self.now.addingTimeInterval(300))
        #expect(session.tokenType == "bearer")
        #expect(
            session.client
                == ClientRegistration(
                    tokenEndpoint: "http://127.0.0.1:8765/token", clientID: "c1", authMethod: "none",
                    resource: "https://mcp.example.com/mcp"))
    }

    @Test func expiresAtAsRFC3339OrEpoch() throws {
        let rfc = try TokenImport.parse(
            Data(#"{"access_token": "a", "expires_at": "2027-01-15T09:00:00Z"}"#.utf8), server: Self.server,
            now: Self.now)
        #expect(rfc.expiresAt == Self.now.addingTimeInterval(3600))
        let epoch = try TokenImport.parse(
            Data(#"{"access_token": "a", "expires_at": 1800003600}"#.utf8), server: Self.server, now: Self.now)
        #expect(epoch.expiresAt == Self.now.addingTimeInterval(3600))
    }

    @Test(arguments: [
        ("", "empty; pipe a token response in, e.g. oauthtop import NAME < token.json"),
        ("[]", "not a JSON object"),
        (#"{"refresh_token": "r"}"#, "key 'access_token': missing"),
        (
            #"{"access_token": "a", "expires_in": -5}"#,
            "key 'expires_in': must be a positive number of seconds, at most 2147483647"
        ),
        (
            #"{"access_token": "a", "expires_at": "tomorrow"}"#,
            "key 'expires_at': must be seconds since 1970 or an RFC 3339 time"
        ),
        (
            #"{"access_token": "a", "token_endpoint": "http://x/token"}"#,
            "key 'client_id': missing; a token_endpoint needs the client_id it issued to"
        ),
        (
            #"{"access_token": "a", "token_endpoint": "/token", "client_id": "c"}"#,
            "key 'token_endpoint': must be an absolute http(s) URL"
        ),
    ])
    func mistakesAreNamed(json: String, message: String) {
        do {
            _ = try TokenImport.parse(Data(json.utf8), server: Self.server, now: Self.now)
            Issue.record("expected: \(message)")
        } catch {
            #expect(error.description == message)
        }
    }
}
