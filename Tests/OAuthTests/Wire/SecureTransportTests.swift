import Foundation
import Testing

@testable import OAuth

@Suite struct SecureTransportTests {
    @Test(arguments: [
        ("https://auth.example.com/token", true),
        ("HTTPS://Auth.Example.com", true),
        ("http://127.0.0.1:8080/token", true),
        ("http://127.5.6.7/token", true),
        ("http://localhost:9/x", true),
        ("http://api.localhost/x", true),
        ("http://[::1]:8080/x", true),
        ("http://auth.example.com/token", false),
        ("http://10.0.0.5/token", false),
        ("http://127.0.0.1.nip.io/token", false),
        ("http://localhost.example.com/x", false),
        ("http://1270.0.0.1/x", false),
        ("http://[::2]/x", false),
        ("ftp://127.0.0.1/x", false),
        ("file:///etc/passwd", false),
    ])
    func onlyHTTPSOrLoopbackHTTP(url: String, allowed: Bool) throws {
        #expect(SecureTransport.allows(try #require(URL(string: url))) == allowed)
    }

    @Test func theRefusalNamesTheURLAndTheWayOut() throws {
        let problem = SecureTransport.problem(
            with: try #require(URL(string: "http://auth.example.com/token")), what: "the token endpoint")
        #expect(
            problem
                == "the token endpoint http://auth.example.com/token uses plain http; oauthtop sends tokens only over "
                + "https (http is accepted only on a loopback host: localhost, 127.0.0.1, ::1)")
        #expect(SecureTransport.problem(with: try #require(URL(string: "https://a.example")), what: "x") == nil)
    }

    @Test func noRequestLeavesInCleartextWhateverNamedTheURL() async throws {
        // Port 9 of a public-looking host: the refusal comes before any connection is tried.
        let client = TokenClient(timeout: 5)
        let error = await #expect(throws: TokenEndpointError.self) {
            _ = try await client.refresh(
                RefreshRequest(
                    tokenEndpoint: URL(string: "http://auth.example.com:9/token")!, refreshToken: "rt_secret_value",
                    clientID: "c"))
        }
        #expect(error?.kind == .network)
        #expect(error?.description.contains("http://auth.example.com:9/token uses plain http") == true)
        #expect(error?.description.contains("rt_secret_value") == false)
    }
}

@Suite struct AuthorizationIssuerTests {
    static let issuer = "https://auth.example.com"

    @Test func aMatchingIssIsTakenAndAMissingOneOnlyWhenNotAdvertised() {
        #expect(AuthorizationIssuer.problem(received: Self.issuer, expected: Self.issuer, required: true) == nil)
        #expect(AuthorizationIssuer.problem(received: Self.issuer, expected: Self.issuer, required: false) == nil)
        #expect(AuthorizationIssuer.problem(received: nil, expected: Self.issuer, required: false) == nil)
    }

    @Test func aMissingIssIsRefusedWhenTheServerSaysItSendsOne() {
        let problem = AuthorizationIssuer.problem(received: nil, expected: Self.issuer, required: true)
        #expect(problem?.hasPrefix("the redirect carried no iss although the authorization server") == true)
        #expect(AuthorizationIssuer.problem(received: "", expected: Self.issuer, required: true) != nil)
    }

    @Test(arguments: [true, false])
    func aDifferentIssIsRefusedWhetherAdvertisedOrNot(advertised: Bool) {
        for other in ["https://evil.example", "https://auth.example.com/", "HTTPS://auth.example.com"] {
            let problem = AuthorizationIssuer.problem(received: other, expected: Self.issuer, required: advertised)
            #expect(
                problem
                    == "the redirect came from the authorization server \(other), not from \(Self.issuer) where this "
                    + "sign-in began (RFC 9207 mix-up defence), so its code was not used")
        }
    }
}
