import Foundation
import Testing

@testable import OAuth

/// Discovery stays on the public side (`NetworkBoundary`): what a public MCP server names on a link-local, private
/// or loopback address is refused before any request goes there; a local server may name loopback.
@Suite struct DiscoveryBoundaryTests {
    static let publicServer = URL(string: "https://mcp.example.com/mcp")!

    @Test func resourceMetadataOnTheCloudMetadataAddressIsRefused() async throws {
        let challenge = BearerChallenge(parameters: [
            "error": "invalid_token", "resource_metadata": "https://169.254.169.254/latest/meta-data/iam",
        ])
        let error = await #expect(throws: SignInError.self) {
            _ = try await Discovery(timeout: 1).protectedResourceMetadata(Self.publicServer, challenge: challenge)
        }
        #expect(error?.kind == .configuration)
        let message = error?.message ?? ""
        #expect(message.contains("https://169.254.169.254/latest/meta-data/iam"))
        #expect(message.contains("link-local"))
    }

    @Test func anAuthorizationServerInAPrivateRangeIsRefused() async throws {
        for issuer in ["https://10.0.0.5", "https://[::ffff:192.168.0.1]", "https://2130706433", "https://0x7f.1"] {
            let error = await #expect(throws: SignInError.self, "\(issuer)") {
                _ = try await Discovery(timeout: 1).authorizationServerMetadata(
                    issuer: issuer, serverURL: Self.publicServer)
            }
            #expect(error?.kind == .configuration)
            #expect(error?.message.contains("is on a") == true, "\(error?.message ?? "")")
        }
    }

    @Test func anEndpointOfTheMetadataInAPrivateRangeIsRefused() throws {
        let metadata = try #require(
            JSONObject(Data(#"{"token_endpoint":"https://169.254.169.254/token","x":"https://as.example/x"}"#.utf8)))
        let metadataURL = URL(string: "https://as.example.com/.well-known/oauth-authorization-server")!
        #expect(throws: SignInError.self) {
            try Discovery.secureEndpoint(
                metadata, "token_endpoint", metadataURL: metadataURL, serverURL: Self.publicServer)
        }
        #expect(
            try Discovery.secureEndpoint(metadata, "x", metadataURL: metadataURL, serverURL: Self.publicServer)
                == "https://as.example/x")
        // A server on a loopback host may name one (local development).
        #expect(
            try Discovery.secureEndpoint(
                metadata, "token_endpoint", metadataURL: metadataURL, serverURL: URL(string: "http://127.0.0.1:1/mcp")!)
                == "https://169.254.169.254/token")
    }

    @Test func aLoopbackServerPointingAtLoopbackIsAllowed() async throws {
        let (provider, base) = try await DiscoveryTests.provider(
            challenge: #"Bearer error="invalid_token", resource_metadata="{base}/meta/prm""#,
            ["/meta/prm": DiscoveryTests.prm, "/.well-known/oauth-authorization-server": DiscoveryTests.asMetadata])
        defer { Task { await provider.stop() } }
        let result = try await Discovery(timeout: 5).discover(serverURL: URL(string: base + "/mcp")!)
        #expect(result.resourceMetadataURL == base + "/meta/prm")
        #expect(result.tokenEndpoint == base + "/token")
    }
}
