import Foundation
import Testing

@testable import OAuth

@Suite struct ClientAuthenticationTests {
    static let secret = "cs-Wq7Lx2Mv9Kb4Nz1Pt6Rc3Yh8Jf5Dg0Sa"

    @Test func aPublicClientSendsItsIDOnly() {
        let client = ClientAuthentication(clientID: "oauthtop-3f9c2a7e", clientSecret: nil, method: .none)
        #expect(client.formFields.map { "\($0.0)=\($0.1)" } == ["client_id=oauthtop-3f9c2a7e"])
        #expect(client.authorization == nil)
        let withSecret = ClientAuthentication(clientID: "oauthtop-3f9c2a7e", clientSecret: Self.secret, method: .none)
        #expect(withSecret.formFields.map(\.1) == ["oauthtop-3f9c2a7e"], "method none never sends a secret")
    }

    @Test func postPutsTheSecretInTheBody() {
        let client = ClientAuthentication(
            clientID: "oauthtop-3f9c2a7e", clientSecret: Self.secret, method: .clientSecretPost)
        #expect(
            client.formFields.map { "\($0.0)=\($0.1)" }
                == ["client_id=oauthtop-3f9c2a7e", "client_secret=\(Self.secret)"])
        #expect(client.authorization == nil)
    }

    @Test func basicFormEncodesIDAndSecretBeforeBase64AndKeepsTheIDInTheBody() throws {
        let client = ClientAuthentication(
            clientID: "tenant:app 1", clientSecret: "p+ss/w=rd", method: .clientSecretBasic)
        #expect(client.formFields.map { "\($0.0)=\($0.1)" } == ["client_id=tenant:app 1"])
        let header = try #require(client.authorization)
        #expect(header == "Basic " + Data("tenant%3Aapp%201:p%2Bss%2Fw%3Drd".utf8).base64EncodedString())
        let noSecret = ClientAuthentication(
            clientID: "oauthtop-3f9c2a7e", clientSecret: nil, method: .clientSecretBasic)
        #expect(noSecret.authorization == "Basic " + Data("oauthtop-3f9c2a7e:".utf8).base64EncodedString())
    }
}
