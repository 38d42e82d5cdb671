import Foundation
import Testing

@testable import OAuth

@Suite struct PKCETests {
    /// RFC 7636 appendix B.
    @Test func appendixBVector() {
        let pkce = PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        #expect(pkce.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(PKCE.method == "S256")
    }

    @Test func freshVerifiersAre43UnreservedCharactersAndDiffer() {
        let first = PKCE(), second = PKCE()
        #expect(first.verifier.count == 43)
        #expect(PKCE.isValidVerifier(first.verifier))
        #expect(first.verifier != second.verifier)
        #expect(first.challenge == PKCE.challenge(for: first.verifier))
        #expect("\(first)" == "PKCE(S256, challenge: \(first.challenge))")
        #expect(!"\(first)".contains(first.verifier))
    }

    @Test func verifierRules() {
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 42)))
        #expect(PKCE.isValidVerifier(String(repeating: "a", count: 128)))
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 129)))
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 42) + "+"))
    }

    @Test func statesAreRandomAndURLSafe() {
        let state = OAuthState.generate()
        #expect(state.count == 43)
        #expect(state != OAuthState.generate())
        #expect(state.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }
}
