import Foundation
import Testing
import TokenStore

@testable import oauthtop

/// `import` and the environment knobs refuse tokens that are not tokens and numbers that are not numbers.
@Suite struct ImportBoundsTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let server = ServerConfig(
        name: "jira", url: "https://mcp.example.com/mcp", enabled: true, oauth: OAuthSettings())

    static func problem(_ json: String) -> String? {
        do {
            _ = try TokenImport.parse(Data(json.utf8), server: server, now: now)
            return nil
        } catch {
            return error.description
        }
    }

    @Test(arguments: [
        ("space", "SeCrEt at"), ("newline", #"SeCrEt\nX: 1"#), ("tab", #"SeCrEt\tx"#), ("NUL", #"SeCrEt\u0000x"#),
        ("DEL", #"SeCrEt\u007fx"#), ("non-ASCII", #"SeCrEt\u00e9x"#), ("escape", #"SeCrEt\u001b[2J"#),
    ])
    func anAccessTokenOutsideRFC6750SyntaxIsRefused(shape: String, token: String) throws {
        let message = try #require(Self.problem(#"{"access_token": "\#(token)"}"#), "\(shape) accepted")
        #expect(message.hasPrefix("key 'access_token': "), "\(shape): \(message)")
        #expect(!message.contains("SeCrEt"), "\(shape): never echoed: \(message)")
    }

    @Test(arguments: [("space", "SeCrEt rt"), ("newline", #"SeCrEt\nrt"#), ("NUL", #"SeCrEt\u0000"#)])
    func aRefreshTokenWithControlsOrWhitespaceIsRefused(shape: String, token: String) throws {
        let message = try #require(
            Self.problem(#"{"access_token": "at", "refresh_token": "\#(token)"}"#), "\(shape) accepted")
        #expect(message.hasPrefix("key 'refresh_token': "), "\(shape): \(message)")
        #expect(!message.contains("SeCrEt"), "\(shape): never echoed: \(message)")
    }

    @Test(arguments: [
        #""inf""#, #""nan""#, #""-inf""#, "1e300", "123456789012345678901234567890", "-1", "0", #""Infinity""#,
    ])
    func expiresInMustBeAFiniteNumberOfSecondsInRange(json: String) throws {
        let message = try #require(Self.problem(#"{"access_token": "at", "expires_in": \#(json)}"#), "\(json) accepted")
        #expect(message.hasPrefix("key 'expires_in': "), "\(json): \(message)")
    }

    @Test(arguments: [#""inf""#, #""nan""#, "1e300", "-1", "123456789012345678901234567890"])
    func expiresAtMustBeAFiniteTimeInRange(json: String) throws {
        let message = try #require(Self.problem(#"{"access_token": "at", "expires_at": \#(json)}"#), "\(json) accepted")
        #expect(message.hasPrefix("key 'expires_at': "), "\(json): \(message)")
    }

    @Test(arguments: ["1e300", "inf", "nan", "-1", "0", "99999999999999999999", "86401"])
    func anEnvironmentKnobOutOfRangeIsIgnored(value: String) {
        let name = "OAUTHTOP_BOUNDS_TEST_\(abs(value.hashValue))"
        setenv(name, value, 1)
        defer { unsetenv(name) }
        #expect(Runtime.seconds(environment: name) == nil, "\(value)")
    }

    @Test func anEnvironmentKnobInRangeIsRead() {
        setenv("OAUTHTOP_BOUNDS_TEST_OK", "2.5", 1)
        defer { unsetenv("OAUTHTOP_BOUNDS_TEST_OK") }
        #expect(Runtime.seconds(environment: "OAUTHTOP_BOUNDS_TEST_OK") == 2.5)
    }
}

@Suite struct CommandNumberTests {
    @Test(arguments: ["1e300", "inf", "nan", "-1", "0", "31536001"])
    func demoDurationIsBounded(value: String) {
        #expect(throws: (any Error).self, "\(value)") { try OAuthTop.Demo.parse(["--duration", value]) }
    }

    @Test func demoDurationInRangeIsRead() throws {
        #expect(try OAuthTop.Demo.parse(["--duration", "2.5"]).duration == 2.5)
    }
}
