import Foundation
import OAuth
import Testing

/// Tokens that are not tokens and numbers that are not numbers, refused or bounded at the wire (docs/security.md,
/// "Tokens and numbers from outside").
@Suite struct TokenSyntaxTests {
    /// Each bad shape inside an access token, as JSON text; the token around it is `SeCrEt…`, so a message that
    /// quoted it would show.
    static let badShapes: [(String, String)] = [
        ("space", "SeCrEt at"), ("newline", #"SeCrEt\nX-Injected: 1"#), ("carriage return", #"SeCrEt\r\n"#),
        ("tab", #"SeCrEt\tx"#), ("NUL", #"SeCrEt\u0000x"#), ("DEL", #"SeCrEt\u007fx"#), ("escape", #"SeCrEt\u001b[2J"#),
        ("non-ASCII", #"SeCrEt\u00e9x"#), ("quote", #"SeCrEt\"x"#), ("comma", "SeCrEt,x"),
        ("padding inside", "SeCrEt=x"),
    ]

    @Test(arguments: badShapes)
    func anAccessTokenOutsideRFC6750SyntaxIsAMalformedResponse(shape: String, token: String) async throws {
        let error = try await Exchange.failure(
            Reply.json(#"{"access_token":"\#(token)","token_type":"Bearer","expires_in":60}"#))
        #expect(error.kind == .malformedResponse, "\(shape)")
        #expect(error.description.contains("access_token"), "\(shape): \(error)")
        #expect(!error.description.contains("SeCrEt"), "\(shape): never quoted: \(error)")
    }

    @Test(arguments: [
        "abc", "a-b.c_d~e+f/g", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "YWJj==", "gho_16C7e42F292c69",
    ])
    func b64TokensAreAccepted(token: String) async throws {
        let response = try await Exchange.tokens(Reply.json(#"{"access_token":"\#(token)","expires_in":60}"#))
        #expect(response.accessToken == token)
    }

    @Test(arguments: [
        ("space", "SeCrEt rt"), ("newline", #"SeCrEt\nrt"#), ("tab", #"SeCrEt\trt"#), ("NUL", #"SeCrEt\u0000"#),
        ("DEL", #"SeCrEt\u007f"#), ("no-break space", #"SeCrEt\u00a0rt"#),
    ])
    func aRefreshTokenWithControlsOrWhitespaceIsAMalformedResponse(shape: String, token: String) async throws {
        let error = try await Exchange.failure(
            Reply.json(#"{"access_token":"at-1","refresh_token":"\#(token)","expires_in":60}"#))
        #expect(error.kind == .malformedResponse, "\(shape)")
        #expect(error.description.contains("refresh_token"), "\(shape): \(error)")
        #expect(!error.description.contains("SeCrEt"), "\(shape): never quoted: \(error)")
    }

    @Test func anOpaqueRefreshTokenMayBeAnyVisibleText() async throws {
        let response = try await Exchange.tokens(
            Reply.json(#"{"access_token":"at-1","refresh_token":"r:t|é{1}=","expires_in":60}"#))
        #expect(response.refreshToken == "r:t|é{1}=")
    }

    @Test(arguments: ["0", "-1", "-3600", #""-5""#, "-1e300"])
    func anExpiresInOfZeroOrBelowIsExpiredNow(json: String) async throws {
        let response = try await Exchange.tokens(Reply.json(#"{"access_token":"at-1","expires_in":\#(json)}"#))
        #expect(response.expiresIn == 0)
    }

    @Test(
        arguments: [
            (#""nan""#, nil), (#""inf""#, nil), (#""-inf""#, nil), ("1e300", Double(Int32.max)),
            ("123456789012345678901234567890", Double(Int32.max)), ("-1", nil), ("0", nil), ("86400", 86400),
        ] as [(String, Double?)])
    func refreshTokenLifetimesAreFiniteAndPositive(json: String, seconds: Double?) async throws {
        let response = try await Exchange.tokens(
            Reply.json(#"{"access_token":"at-1","refresh_token_expires_in":\#(json)}"#))
        #expect(response.refreshTokenExpiresIn == seconds)
    }
}
