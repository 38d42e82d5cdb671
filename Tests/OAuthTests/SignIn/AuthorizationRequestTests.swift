import Foundation
import Testing

@testable import OAuth

@Suite struct AuthorizationRequestTests {
    static let state = "Xq3vB8nK1mZ6wR0tY5pL9cJ2hF7dG4sA-_eUoIiNaQk"
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    static let request = AuthorizationRequest(
        endpoint: URL(string: "https://auth.example.com/authorize")!, clientID: "client 1",
        redirectURI: "http://127.0.0.1:53682/callback", scope: "mcp read", state: state, codeChallenge: challenge,
        resource: "https://mcp.example.com/mcp",
        extraParameters: ["audience": "api", "state": "evil", "prompt": "consent"])

    @Test func parametersInOrderWithExtrasSortedAndReservedNamesIgnored() {
        #expect(
            Self.request.parameters.map(\.0) == [
                "response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                "code_challenge_method",
                "resource", "audience", "prompt",
            ])
        #expect(Self.request.parameters.first { $0.0 == "state" }?.1 == Self.state)
    }

    @Test func urlPercentEncodesEveryValue() {
        #expect(
            Self.request.url.absoluteString == "https://auth.example.com/authorize?response_type=code"
                + "&client_id=client%201&redirect_uri=http%3A%2F%2F127.0.0.1%3A53682%2Fcallback&scope=mcp%20read"
                + "&state=\(Self.state)&code_challenge=\(Self.challenge)&code_challenge_method=S256"
                + "&resource=https%3A%2F%2Fmcp.example.com%2Fmcp&audience=api&prompt=consent")
    }

    @Test func keepsTheEndpointsOwnQueryAndLeavesOutAnEmptyScope() {
        var request = Self.request
        request.endpoint = URL(string: "https://auth.example.com/oauth?tenant=t1")!
        request.scope = nil
        request.resource = nil
        request.extraParameters = [:]
        #expect(
            request.url.absoluteString == "https://auth.example.com/oauth?tenant=t1&response_type=code"
                + "&client_id=client%201&redirect_uri=http%3A%2F%2F127.0.0.1%3A53682%2Fcallback&state=\(Self.state)"
                + "&code_challenge=\(Self.challenge)&code_challenge_method=S256")
        #expect("\(request)" == "AuthorizationRequest(https://auth.example.com/oauth?tenant=t1, client_id: client 1)")
        #expect(!"\(request)".contains(Self.state))
    }

    @Test func redirectParameters() {
        let code = "SplxlOBeZQQYbYS6WxSbIA-4f0e9c2b7a1d"
        #expect(AuthorizationResponse(query: ["code": code, "state": Self.state]) == .code(code))
        #expect(
            AuthorizationResponse(query: ["error": "access_denied", "error_description": "no", "code": code])
                == .error(code: "access_denied", description: "no"))
        #expect(AuthorizationResponse(query: ["state": Self.state]) == .malformed)
        #expect(AuthorizationResponse(query: ["code": ""]) == .malformed)
        #expect("\(AuthorizationResponse.code(code))" == "AuthorizationResponse(code)")
        let parameters = AuthorizationResponse.parameters(
            query: "error_description=The+user%20said+no&state=a%2Bb&state=x")
        #expect(parameters == ["error_description": "The user said no", "state": "a+b"])
    }
}
