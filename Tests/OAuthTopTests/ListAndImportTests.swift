import Foundation
import Health
import RefreshEngine
import Testing
import TokenStore

@testable import oauthtop

@Suite struct ListJSONTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func everyElementHasExactlyTheDocumentedKeys() throws {
        let definition = ServerDefinition(name: "jira", url: "https://mcp.atlassian.com/v1/sse")
        let session = StoredSession(
            server: "jira", accessToken: "at_SECRET", refreshToken: "rt_SECRET", issuedAt: Self.now,
            expiresAt: Self.now.addingTimeInterval(3600))
        let statuses = [
            ServerStatus.stored(
                definition, session: session,
                saved: StoredRefreshState(state: "scheduled", nextAttempt: Self.now.addingTimeInterval(2880)),
                policy: RefreshPolicy(), now: Self.now),
            ServerStatus.stored(
                ServerDefinition(name: "new", url: "https://new.example.com/mcp"), session: nil, saved: nil,
                policy: RefreshPolicy(), now: Self.now),
        ]
        let text = try ListJSON.render(statuses)
        #expect(!text.contains("SECRET"))
        let array = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        let keys: Set<String> = [
            "name", "url", "level", "summary", "detail", "action", "refresh_state", "retry_count", "next_attempt",
            "expires_at", "last_error", "has_refresh_token", "last_refresh_at",
        ]
        #expect(array.allSatisfy { Set($0.keys) == keys })
        #expect(array[0]["level"] as? String == "healthy")
        #expect(array[0]["summary"] as? String == "Token valid for 1h")
        #expect(array[0]["refresh_state"] as? String == "scheduled")
        #expect(array[0]["next_attempt"] as? String == "2027-01-15T08:48:00Z")
        #expect(array[0]["expires_at"] as? String == "2027-01-15T09:00:00Z")
        #expect(array[0]["has_refresh_token"] as? Bool == true)
        #expect(array[0]["action"] is NSNull)
        #expect(array[1]["summary"] as? String == "Sign-in required")
        #expect(array[1]["action"] as? String == "login")
        #expect(array[1]["expires_at"] is NSNull)
    }

    @Test func tableShowsRelativeTimes() {
        let definition = ServerDefinition(name: "jira", url: "https://x/mcp")
        let session = StoredSession(
            server: "jira", accessToken: "a", refreshToken: "r", issuedAt: Self.now.addingTimeInterval(-3780),
            expiresAt: Self.now.addingTimeInterval(-180))
        let status = ServerStatus.stored(
            definition, session: session,
            saved: StoredRefreshState(state: "retrying", retryCount: 2, nextAttempt: Self.now.addingTimeInterval(80), lastError: "HTTP 503"),
            policy: RefreshPolicy(), now: Self.now)
        let table = ListTable.render([status], now: Self.now)
        let lines = table.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("NAME"))
        #expect(lines[1].contains("unhealthy"))
        #expect(lines[1].contains("expired 3m00s ago"))
        #expect(lines[1].contains("in 1m20s"))
        #expect(lines[1].hasSuffix("Token expired, refresh retrying"))
    }
}

@Suite struct TokenImportTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let server = ServerConfig(name: "jira", url: "https://mcp.example.com/mcp", enabled: true, oauth: OAuthSettings())

    @Test func readsATokenResponseWithItsClient() throws {
        let json = """
            {"access_token": "at_1", "refresh_token": "rt_1", "expires_in": "300", "token_type": "bearer",
             "scope": "mcp", "client_id": "c1", "token_endpoint": "http://127.0.0.1:8765/token"}
            """
        let session = try TokenImport.parse(Data(json.utf8), server: Self.server, now: Self.now)
        #expect(session.accessToken == "at_1" && session.refreshToken == "rt_1")
        #expect(session.expiresAt == Self.now.addingTimeInterval(300))
        #expect(session.tokenType == "bearer")
        #expect(session.client == ClientRegistration(
            tokenEndpoint: "http://127.0.0.1:8765/token", clientID: "c1", authMethod: "none",
            resource: "https://mcp.example.com/mcp"))
    }

    @Test func expiresAtAsRFC3339OrEpoch() throws {
        let rfc = try TokenImport.parse(
            Data(#"{"access_token": "a", "expires_at": "2027-01-15T09:00:00Z"}"#.utf8), server: Self.server, now: Self.now)
        #expect(rfc.expiresAt == Self.now.addingTimeInterval(3600))
        let epoch = try TokenImport.parse(
            Data(#"{"access_token": "a", "expires_at": 1800003600}"#.utf8), server: Self.server, now: Self.now)
        #expect(epoch.expiresAt == Self.now.addingTimeInterval(3600))
    }

    @Test(arguments: [
        ("", "empty; pipe a token response in, e.g. oauthtop import NAME < token.json"),
        ("[]", "not a JSON object"),
        (#"{"refresh_token": "r"}"#, "key 'access_token': missing"),
        (#"{"access_token": "a", "expires_in": -5}"#, "key 'expires_in': must be a positive number of seconds"),
        (#"{"access_token": "a", "expires_at": "tomorrow"}"#, "key 'expires_at': must be seconds since 1970 or an RFC 3339 time"),
        (#"{"access_token": "a", "token_endpoint": "http://x/token"}"#, "key 'client_id': missing; a token_endpoint needs the client_id it issued to"),
        (#"{"access_token": "a", "token_endpoint": "/token", "client_id": "c"}"#, "key 'token_endpoint': must be an absolute http(s) URL"),
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
