import Testing

@testable import OAuth

@Suite struct BearerChallengeTests {
    @Test func theMCPSDKsChallenge() throws {
        let challenge = try #require(
            BearerChallenge(
                header:
                    #"Bearer error="invalid_token", error_description="Authentication required", resource_metadata="http://127.0.0.1:8765/.well-known/oauth-protected-resource/mcp""#
            ))
        #expect(challenge.error == "invalid_token")
        #expect(challenge.errorDescription == "Authentication required")
        #expect(challenge.resourceMetadata == "http://127.0.0.1:8765/.well-known/oauth-protected-resource/mcp")
        #expect(challenge.summary == "invalid_token: Authentication required")
    }

    @Test func caseInsensitiveSchemeBareTokensEscapesAndOtherSchemes() throws {
        let challenge = try #require(
            BearerChallenge(
                header:
                    #"Basic realm="x", bearer realm="a \"b\"", scope="mcp files:read", error=invalid_token, DPoP algs="ES256""#
            ))
        #expect(challenge.parameters["realm"] == #"a "b""#)
        #expect(challenge.scope == "mcp files:read")
        #expect(challenge.error == "invalid_token")
        #expect(challenge.parameters["algs"] == nil)
        #expect(BearerChallenge(header: #"Basic realm="x""#) == nil)
        #expect(BearerChallenge(header: "Bearer")?.summary == nil)
    }
}
