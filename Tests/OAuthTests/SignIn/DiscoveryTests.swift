import FlyingFox
import Foundation
import Synchronization
import Testing

@testable import OAuth

/// Discovery against an in-process provider on 127.0.0.1 whose answers each test scripts by path.
@Suite struct DiscoveryTests {
    /// Serves `documents` (path → JSON, `{base}` replaced by the provider's URL); `/mcp` answers 401 with
    /// `challenge` when given; anything else is 404.
    static func provider(
        challenge: String? = nil, _ documents: [String: String]
    ) async throws -> (FakeTokenEndpoint, String) {
        let base = Mutex("")
        let endpoint = try await FakeTokenEndpoint.start { request in
            let root = base.withLock { $0 }
            if request.path == "/mcp" {
                guard let challenge else { return Reply.json(405, "{}") }
                return Reply.json(
                    401, "{}", headers: ["WWW-Authenticate": challenge.replacingOccurrences(of: "{base}", with: root)])
            }
            guard request.method == "GET", let document = documents[request.path] else { return Reply.json(404, "{}") }
            return Reply.json(document.replacingOccurrences(of: "{base}", with: root))
        }
        let root = "http://127.0.0.1:\(endpoint.port)"
        base.withLock { $0 = root }
        return (endpoint, root)
    }

    static let prm = #"{"resource":"{base}/mcp","authorization_servers":["{base}"],"scopes_supported":["mcp","files"]}"#
    static let asMetadata =
        #"{"issuer":"{base}","authorization_endpoint":"{base}/authorize","token_endpoint":"{base}/token","registration_endpoint":"{base}/register","revocation_endpoint":"{base}/revoke","code_challenge_methods_supported":["S256"],"response_types_supported":["code"]}"#

    @Test func wellKnownLocationsInTheMCPOrder() {
        #expect(
            Discovery.protectedResourceMetadataURLs(for: URL(string: "https://h.example/v1/mcp/")!).map(
                \.absoluteString) == [
                    "https://h.example/.well-known/oauth-protected-resource/v1/mcp",
                    "https://h.example/.well-known/oauth-protected-resource",
                ])
        #expect(
            Discovery.protectedResourceMetadataURLs(for: URL(string: "https://h.example")!).map(\.absoluteString) == [
                "https://h.example/.well-known/oauth-protected-resource"
            ])
        #expect(
            Discovery.authorizationServerMetadataURLs(for: URL(string: "https://as.example/tenant1/")!).map(
                \.absoluteString) == [
                    "https://as.example/.well-known/oauth-authorization-server/tenant1",
                    "https://as.example/.well-known/openid-configuration/tenant1",
                    "https://as.example/tenant1/.well-known/openid-configuration",
                ])
        #expect(
            Discovery.authorizationServerMetadataURLs(for: URL(string: "https://as.example:8443")!).map(
                \.absoluteString) == [
                    "https://as.example:8443/.well-known/oauth-authorization-server",
                    "https://as.example:8443/.well-known/openid-configuration",
                ])
    }

    @Test func resourceMustBeTheServerOrAParentOnTheSameOrigin() {
        let server = URL(string: "https://h.example/v1/mcp")!
        #expect(Discovery.resource("https://h.example/v1/mcp", covers: server))
        #expect(Discovery.resource("https://h.example/v1", covers: server))
        #expect(Discovery.resource("https://H.example/", covers: server))
        #expect(!Discovery.resource("https://h.example/v1/m", covers: server))
        #expect(!Discovery.resource("https://other.example/v1/mcp", covers: server))
        #expect(!Discovery.resource("http://h.example/v1/mcp", covers: server))
    }

    @Test func followsTheChallengesResourceMetadata() async throws {
        let (provider, base) = try await Self.provider(
            challenge: #"Bearer error="invalid_token", resource_metadata="{base}/meta/prm", scope="mcp""#,
            ["/meta/prm": Self.prm, "/.well-known/oauth-authorization-server": Self.asMetadata])
        defer { Task { await provider.stop() } }
        let result = try await Discovery(timeout: 5).discover(serverURL: URL(string: base + "/mcp")!)
        #expect(result.resourceMetadataURL == base + "/meta/prm")
        #expect(result.resource == base + "/mcp")
        #expect(result.issuer == base)
        #expect(result.metadataURL == base + "/.well-known/oauth-authorization-server")
        #expect(result.authorizationEndpoint == base + "/authorize")
        #expect(result.tokenEndpoint == base + "/token")
        #expect(result.registrationEndpoint == base + "/register")
        #expect(result.revocationEndpoint == base + "/revoke")
        #expect(result.scopeToRequest == "mcp")
        let unauthenticated = try #require(provider.received.first)
        #expect(unauthenticated.method == "POST" && unauthenticated.path == "/mcp")
        #expect(unauthenticated.headers["authorization"] == nil)
        #expect(unauthenticated.headers["accept"] == "application/json, text/event-stream")
    }

    @Test func fallsBackToTheRootMetadataAndOpenIDForAnIssuerWithAPath() async throws {
        let prm = #"{"resource":"{base}/mcp","authorization_servers":["{base}/tenant"],"scopes_supported":["a","b"]}"#
        let openID = Self.asMetadata.replacingOccurrences(of: #""issuer":"{base}""#, with: #""issuer":"{base}/tenant""#)
        let (provider, base) = try await Self.provider([
            "/.well-known/oauth-protected-resource": prm, "/tenant/.well-known/openid-configuration": openID,
        ])
        defer { Task { await provider.stop() } }
        let result = try await Discovery(timeout: 5).discover(serverURL: URL(string: base + "/mcp")!)
        #expect(result.resourceMetadataURL == base + "/.well-known/oauth-protected-resource")
        #expect(result.issuer == base + "/tenant")
        #expect(result.metadataURL == base + "/tenant/.well-known/openid-configuration")
        #expect(result.scopeToRequest == "a b")
        #expect(
            provider.received.map(\.path) == [
                "/mcp", "/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource",
                "/.well-known/oauth-authorization-server/tenant", "/.well-known/openid-configuration/tenant",
                "/tenant/.well-known/openid-configuration",
            ])
    }

    @Test func withoutResourceMetadataTheIssuerIsTheServersOrigin() async throws {
        let (provider, base) = try await Self.provider(["/.well-known/openid-configuration": Self.asMetadata])
        defer { Task { await provider.stop() } }
        let result = try await Discovery(timeout: 5).discover(serverURL: URL(string: base + "/mcp")!)
        #expect(result.issuer == base)
        #expect(result.resourceMetadataURL == nil && result.resource == nil)
        #expect(result.scopeToRequest == nil)
    }

    @Test func anIssuerThatIsNotIdenticalIsRefused() async throws {
        let slash = Self.asMetadata.replacingOccurrences(of: #""issuer":"{base}""#, with: #""issuer":"{base}/""#)
        let (provider, base) = try await Self.provider(
            ["/.well-known/oauth-protected-resource/mcp": Self.prm, "/.well-known/oauth-authorization-server": slash])
        defer { Task { await provider.stop() } }
        let error = await #expect(throws: SignInError.self) {
            try await Discovery(timeout: 5).discover(serverURL: URL(string: base + "/mcp")!)
        }
        #expect(error?.kind == .configuration)
        #expect(error?.message.contains("RFC 8414 requires them identical") == true)
    }

    @Test func plainHTTPEndpointsOffTheLoopbackHostAreRefusedByName() async throws {
        let cleartextToken = Self.asMetadata.replacingOccurrences(
            of: #""token_endpoint":"{base}/token""#, with: #""token_endpoint":"http://tokens.example.com/token""#)
        let (provider, base) = try await Self.provider(
            [
                "/.well-known/oauth-protected-resource/mcp": Self.prm,
                "/.well-known/oauth-authorization-server": cleartextToken,
            ])
        defer { Task { await provider.stop() } }
        let error = await #expect(throws: SignInError.self) {
            try await Discovery(timeout: 5).discover(serverURL: URL(string: base + "/mcp")!)
        }
        #expect(error?.kind == .configuration)
        #expect(
            error?.message
                == "the token_endpoint of the authorization server metadata at \(base)/.well-known/oauth-authorization-server, "
                + "http://tokens.example.com/token uses plain http; oauthtop sends tokens only over https (http is "
                + "accepted only on a loopback host: localhost, 127.0.0.1, ::1)")
    }

    @Test func aPlainHTTPAuthorizationServerIsRefusedByName() async throws {
        let prm = #"{"resource":"{base}/mcp","authorization_servers":["http://as.example.com"]}"#
        let (provider, base) = try await Self.provider(["/.well-known/oauth-protected-resource/mcp": prm])
        defer { Task { await provider.stop() } }
        let error = await #expect(throws: SignInError.self) {
            try await Discovery(timeout: 5).discover(serverURL: URL(string: base + "/mcp")!)
        }
        #expect(error?.kind == .configuration)
        #expect(error?.message.hasPrefix("the authorization server http://as.example.com uses plain http") == true)
    }

    @Test func theIssParameterDeviceEndpointAndMetadataDocumentSupportAreRead() async throws {
        let extended = Self.asMetadata.replacingOccurrences(
            of: #""response_types_supported":["code"]"#,
            with: #""response_types_supported":["code"],"authorization_response_iss_parameter_supported":true,"#
                + #""client_id_metadata_document_supported":true,"device_authorization_endpoint":"{base}/device""#)
        let (provider, base) = try await Self.provider(
            [
                "/.well-known/oauth-protected-resource/mcp": Self.prm,
                "/.well-known/oauth-authorization-server": extended,
            ])
        defer { Task { await provider.stop() } }
        let result = try await Discovery(timeout: 5).discover(serverURL: URL(string: base + "/mcp")!)
        #expect(result.issParameterSupported)
        #expect(result.clientIDMetadataDocumentSupported)
        #expect(result.deviceAuthorizationEndpoint == base + "/device")

        let plain = try await Self.provider(
            [
                "/.well-known/oauth-protected-resource/mcp": Self.prm,
                "/.well-known/oauth-authorization-server": Self.asMetadata,
            ])
        defer { Task { await plain.0.stop() } }
        let without = try await Discovery(timeout: 5).discover(serverURL: URL(string: plain.1 + "/mcp")!)
        #expect(!without.issParameterSupported && !without.clientIDMetadataDocumentSupported)
        #expect(without.deviceAuthorizationEndpoint == nil)
    }

    @Test func withoutS256SignInIsRefused() async throws {
        let withoutPKCE = Self.asMetadata.replacingOccurrences(
            of: #""code_challenge_methods_supported":["S256"],"#, with: "")
        let plainOnly = Self.asMetadata.replacingOccurrences(of: #"["S256"]"#, with: #"["plain"]"#)
        for metadata in [withoutPKCE, plainOnly] {
            let (provider, base) = try await Self.provider(
                [
                    "/.well-known/oauth-protected-resource/mcp": Self.prm,
                    "/.well-known/oauth-authorization-server": metadata,
                ])
            let error = await #expect(throws: SignInError.self) {
                try await Discovery(timeout: 5).discover(serverURL: URL(string: base + "/mcp")!)
            }
            #expect(error?.kind == .configuration)
            #expect(error?.message.contains("does not support PKCE with S256") == true)
            await provider.stop()
        }
    }

    @Test func metadataForAnotherResourceIsRefused() async throws {
        let (provider, base) = try await Self.provider([
            "/.well-known/oauth-protected-resource/mcp":
                #"{"resource":"https://elsewhere.example/mcp","authorization_servers":["{base}"]}"#
        ])
        defer { Task { await provider.stop() } }
        let error = await #expect(throws: SignInError.self) {
            try await Discovery(timeout: 5).discover(serverURL: URL(string: base + "/mcp")!)
        }
        #expect(
            error
                == SignInError(
                    .configuration,
                    "the protected resource metadata at \(base)/.well-known/oauth-protected-resource/mcp is for "
                        + "https://elsewhere.example/mcp, not for \(base)/mcp"))
    }

    @Test func nothingFoundNamesEveryLocationTried() async throws {
        let (provider, base) = try await Self.provider([:])
        defer { Task { await provider.stop() } }
        let error = await #expect(throws: SignInError.self) {
            try await Discovery(timeout: 5).discover(serverURL: URL(string: base + "/mcp")!)
        }
        #expect(error?.kind == .configuration)
        #expect(error?.message.contains("/.well-known/openid-configuration") == true)
    }

    @Test func anUnreachableServerIsANetworkError() async throws {
        let (provider, base) = try await Self.provider([:])
        await provider.stop()
        let error = await #expect(throws: SignInError.self) {
            try await Discovery(timeout: 5).discover(serverURL: URL(string: base + "/mcp")!)
        }
        #expect(error == SignInError(.network, "MCP server \(base)/mcp: network error: connection refused"))
    }
}
