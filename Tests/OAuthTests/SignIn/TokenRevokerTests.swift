import FlyingFox
import Foundation
import Testing

@testable import OAuth

@Suite struct TokenRevokerTests {
    static let refreshToken = "rt-Lq8Vn3Xc6Zb1Mk9Wj4Hg7Tf2Rd5Sa0Ye"
    static let secret = "cs-Pz4Kx9Qm2Wv7Bn1Ct6Yh3Jr8Lf5Dg0Sa"

    @Test func postsTheTokenWithItsHintAndTheClient() async throws {
        let server = try await FakeTokenEndpoint.start { _ in Reply.json(200, "") }
        defer { Task { await server.stop() } }
        try await TokenRevoker(timeout: 5).revoke(
            Self.refreshToken, hint: .refreshToken, endpoint: URL(string: "http://127.0.0.1:\(server.port)/revoke")!,
            clientID: "c-1", clientSecret: Self.secret, authMethod: .clientSecretPost)
        let request = try #require(server.received.first)
        #expect(
            request.body
                == "token=\(Self.refreshToken)&token_type_hint=refresh_token&client_id=c-1&client_secret=\(Self.secret)"
        )
        #expect(request.headers["authorization"] == nil)
        #expect(request.headers["content-type"] == "application/x-www-form-urlencoded")
    }

    @Test func authenticatesWithBasicAsTheTokenEndpointDoes() async throws {
        let server = try await FakeTokenEndpoint.start { _ in Reply.json(200, "") }
        defer { Task { await server.stop() } }
        try await TokenRevoker(timeout: 5).revoke(
            Self.refreshToken, hint: .refreshToken, endpoint: URL(string: "http://127.0.0.1:\(server.port)/revoke")!,
            clientID: "c-1", clientSecret: Self.secret, authMethod: .clientSecretBasic)
        let request = try #require(server.received.first)
        #expect(request.body == "token=\(Self.refreshToken)&token_type_hint=refresh_token&client_id=c-1")
        #expect(request.headers["authorization"] == "Basic " + Data("c-1:\(Self.secret)".utf8).base64EncodedString())
    }

    @Test func anErrorIsThrownWithoutQuotingTheBody() async throws {
        let server = try await FakeTokenEndpoint.start { _ in
            Reply.json(400, #"{"error":"unsupported_token_type","echo":"\#(Self.refreshToken)"}"#)
        }
        defer { Task { await server.stop() } }
        let error = await #expect(throws: TokenEndpointError.self) {
            try await TokenRevoker(timeout: 5).revoke(
                Self.refreshToken, hint: .refreshToken,
                endpoint: URL(string: "http://127.0.0.1:\(server.port)/revoke")!, clientID: "c-1")
        }
        #expect(error?.code == "unsupported_token_type")
        #expect(error.map { "\($0)" } == "HTTP 400 unsupported_token_type")
    }
}
