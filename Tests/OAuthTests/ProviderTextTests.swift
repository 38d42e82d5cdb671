import Foundation
import Testing

@testable import OAuth

/// The one scrub for provider text: each shape a secret travels in, with real-looking values.
@Suite struct ProviderTextTests {
    static let refreshToken = "rt_9f8e7d6c5b4a3928171605f4e3d2c1b0aZ"
    static let accessToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX3ZhbHVlXzE"
    static let githubToken = "gho_16C7e42F292c6912E7710c838347Ae178B4a"
    static let clientSecret = "cs-Pz4Kx9Qm2Wv7Bn1Ct6Yh3Jr8Lf5Dg0Sa"
    static let basic = Data("c-1:\(clientSecret)".utf8).base64EncodedString()  // padded: Yy0x…YQ==

    /// `text` scrubbed with no known secrets: the shapes alone must hide `secret`.
    static func masked(_ text: String, hiding secret: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let scrubbed = ProviderText.scrub(text)
        #expect(!scrubbed.contains(secret), "\(scrubbed)", sourceLocation: sourceLocation)
        #expect(scrubbed.contains(ProviderText.mask), "\(scrubbed)", sourceLocation: sourceLocation)
    }

    @Test func knownSecretsAreRemovedWhereverTheyAppear() {
        let text = "grant \(Self.refreshToken) for client (\(Self.clientSecret)) was revoked"
        let scrubbed = ProviderText.scrub(text, knownSecrets: [Self.refreshToken, nil, Self.clientSecret])
        #expect(scrubbed == "grant [redacted] for client ([redacted]) was revoked")
    }

    @Test func knownSecretsAreRemovedInTheirFormAndJSONSpellings() {
        let secret = "a+b/c=d_9f8e7d6c5b4a"
        let form = "echo: " + FormEncoding.component(secret)
        #expect(!ProviderText.scrub(form, knownSecrets: [secret]).contains("a%2Bb%2Fc"))
        let json = "echo: a+b\\/c=d_9f8e7d6c5b4a"
        #expect(ProviderText.scrub(json, knownSecrets: [secret]) == "echo: [redacted]")
    }

    @Test func veryShortKnownSecretsDoNotMangleTheText() {
        #expect(ProviderText.scrub("invalid_grant: expired", knownSecrets: ["a", "ex"]) == "invalid_grant: expired")
    }

    @Test func proseRefreshTokenIsRevoked() {
        Self.masked("refresh token \(Self.refreshToken) is revoked", hiding: Self.refreshToken)
        Self.masked("The refresh token '\(Self.refreshToken)' has expired", hiding: Self.refreshToken)
        Self.masked("access token \(Self.accessToken) expired", hiding: Self.accessToken)
        Self.masked("token \(Self.githubToken) was revoked", hiding: Self.githubToken)
        Self.masked("device code GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS is unknown", hiding: "GmRhmhcxhw")
        // Words after "token" are not secrets.
        #expect(ProviderText.scrub("refresh token is revoked") == "refresh token is revoked")
        #expect(ProviderText.scrub("The access token expired") == "The access token expired")
    }

    @Test func jsonRefreshToken() {
        Self.masked(#"bad request body {"refresh_token":"\#(Self.refreshToken)"}"#, hiding: Self.refreshToken)
        Self.masked(#"{"refresh_token": "\#(Self.refreshToken)", "x": 1}"#, hiding: Self.refreshToken)
        Self.masked(#"{'access_token': '\#(Self.accessToken)'}"#, hiding: Self.accessToken)
        Self.masked(#"{"id_token":"\#(Self.accessToken)"}"#, hiding: Self.accessToken)
        Self.masked(#"{"code":"SplxlOBeZQQYbYS6WxSbIA"}"#, hiding: "SplxlOBeZQQYbYS6WxSbIA")
        Self.masked(#"{"state":"af0ifjsldkj9f8e7d6"}"#, hiding: "af0ifjsldkj9f8e7d6")
    }

    @Test func colonRefreshToken() {
        Self.masked("refresh_token: \(Self.refreshToken)", hiding: Self.refreshToken)
        Self.masked("invalid refresh_token:\(Self.refreshToken)", hiding: Self.refreshToken)
        Self.masked("client_secret: \(Self.clientSecret)", hiding: Self.clientSecret)
        Self.masked("code_verifier: dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", hiding: "dBjftJeZ4CVP")
    }

    @Test func equalsShapes() {
        let assertion = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJjLTEifQ.sig_Value-123"
        Self.masked("client_assertion=\(assertion) is not valid", hiding: assertion)
        Self.masked("state=af0ifjsldkj9f8e7d6 does not match", hiding: "af0ifjsldkj9f8e7d6")
        Self.masked("code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=x", hiding: "SplxlOBeZQQYbYS6WxSbIA")
        Self.masked("access_token=\(Self.accessToken)", hiding: Self.accessToken)
        Self.masked("refresh_token = \(Self.refreshToken)", hiding: Self.refreshToken)
        Self.masked("code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", hiding: "dBjftJeZ4CVP")
        Self.masked("client_secret=\(Self.clientSecret)", hiding: Self.clientSecret)
        Self.masked("device_code=GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS", hiding: "GmRhmhcxhw")
        Self.masked("id_token=\(Self.accessToken)", hiding: Self.accessToken)
        // Names that merely end in a secret name are not secrets.
        #expect(ProviderText.scrub("error_code=E42 status_code=400") == "error_code=E42 status_code=400")
    }

    @Test func bearerAndBasicCredentials() {
        Self.masked("Authorization: Bearer \(Self.accessToken)", hiding: Self.accessToken)
        Self.masked("bearer \(Self.githubToken) rejected", hiding: Self.githubToken)
        Self.masked("Authorization: Basic \(Self.basic)", hiding: String(Self.basic.dropLast(2)))
        let unpadded = String(Self.basic.prefix { $0 != "=" })
        Self.masked("got Basic \(unpadded) from the client", hiding: unpadded)
        Self.masked("Basic Y2xpZW50OnNlY3JldA", hiding: "Y2xpZW50OnNlY3JldA")
        // The schemes as words stay.
        #expect(ProviderText.scrub("Basic authentication failed") == "Basic authentication failed")
        #expect(ProviderText.scrub(#"Bearer realm="mcp""#) == #"Bearer realm="mcp""#)
    }

    @Test func maskingTwiceChangesNothing() {
        let once = ProviderText.scrub(
            "refresh_token=\(Self.refreshToken) and Bearer \(Self.accessToken)", knownSecrets: [Self.refreshToken])
        #expect(once == "refresh_token=[redacted] and Bearer [redacted]")
        #expect(ProviderText.scrub(once) == once)
    }

    @Test func theLineIsScrubbedBeforeItIsCut() {
        // Cut first, a known secret at the end would survive as a prefix the known-secret pass cannot find.
        let text = String(repeating: "x", count: 90) + " " + Self.refreshToken
        let line = ProviderText.line(text, limit: 100, knownSecrets: [Self.refreshToken])
        #expect(!line.contains(String(Self.refreshToken.prefix(6))))
        #expect(ProviderText.line("a\nb\u{1B}[2J", limit: 100) == "a b [2J")
    }
}
