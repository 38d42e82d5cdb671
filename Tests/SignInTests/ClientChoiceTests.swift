import Foundation
import OAuth
import OAuthTopTesting
import Testing
import TokenStore

@testable import SignIn

/// The client registration order of the MCP authorization spec, without a network: pre-registered, then a client
/// ID metadata document, then a stored (or new) registration, else an error naming the three ways.
@Suite struct ClientChoiceTests {
    static let issuer = "https://auth.example.com"
    static let document = URL(string: "https://oauthtop.example.org/client-metadata.json")!

    static func target(
        clientID: String? = nil, document: URL? = nil, documentsAccepted: Bool = false, registration: Bool = false,
        scope: String? = "mcp"
    ) -> SignInTarget {
        var settings = SignInSettings(url: "https://mcp.example.com/mcp", clientID: clientID)
        settings.clientMetadataURL = document
        let endpoints = DiscoveryResult(
            serverURL: settings.url, issuer: issuer, metadataURL: issuer + "/.well-known/oauth-authorization-server",
            authorizationEndpoint: issuer + "/authorize", tokenEndpoint: issuer + "/token",
            registrationEndpoint: registration ? issuer + "/register" : nil,
            clientIDMetadataDocumentSupported: documentsAccepted)
        return SignInTarget(
            server: "jira", settings: settings, endpoints: endpoints,
            authorizationEndpoint: URL(string: endpoints.authorizationEndpoint)!,
            tokenEndpoint: URL(string: endpoints.tokenEndpoint)!, resource: settings.url, scope: scope)
    }

    static let service = BrowserSignIn(
        servers: [:], records: InMemoryTokenStore(), browser: .printOnly, clock: ManualClock(), say: { _ in })

    static func stored(scope: String?) -> StoredClientRegistration {
        StoredClientRegistration(
            server: "jira", issuer: issuer, redirectURI: "http://127.0.0.1:5000" + RedirectPath.perIssuer(issuer),
            clientID: "registered-1", registeredAt: Date(timeIntervalSince1970: 0), scope: scope)
    }

    @Test func aConfiguredClientComesFirstEvenWhereDocumentsAreAccepted() async throws {
        let target = Self.target(clientID: "pre-registered", document: Self.document, documentsAccepted: true)
        let client = try await Self.service.chooseClient(target, redirectURI: "x", stored: [])
        #expect(client.clientID == "pre-registered" && !client.dynamic)
        #expect(Self.service.redirectPath(target) == "/callback")
    }

    @Test func thenTheMetadataDocumentWhereAcceptedAndNothingIsRegistered() async throws {
        let target = Self.target(document: Self.document, documentsAccepted: true, registration: true)
        let client = try await Self.service.chooseClient(target, redirectURI: "x", stored: [Self.stored(scope: "mcp")])
        #expect(client.clientID == Self.document.absoluteString && client.authMethod == .none && !client.dynamic)
        #expect(Self.service.redirectPath(target) == "/callback", "the document lists the fixed redirect URI")
    }

    @Test func aDocumentTheServerDoesNotAcceptIsSkippedForAStoredRegistration() async throws {
        let target = Self.target(document: Self.document, documentsAccepted: false, registration: true)
        let stored = Self.stored(scope: "mcp")
        let client = try await Self.service.chooseClient(target, redirectURI: stored.redirectURI, stored: [stored])
        #expect(client.clientID == "registered-1" && client.dynamic)
        #expect(Self.service.redirectPath(target) == RedirectPath.perIssuer(Self.issuer))
    }

    @Test func withNoWayAtAllTheErrorNamesAllThree() async throws {
        for accepted in [false, true] {
            let target = Self.target(documentsAccepted: accepted)
            let error = await #expect(throws: SignInError.self) {
                _ = try await Self.service.chooseClient(target, redirectURI: "x", stored: [])
            }
            #expect(error?.kind == .configuration)
            #expect(error?.message.contains("oauth.client_id") == true)
            #expect(error?.message.contains("oauth.client_metadata_url") == true)
            #expect(error?.message.contains("dynamic client registration") == true)
            #expect(
                error?.message.contains(
                    accepted ? "accepts client ID metadata documents but the config names none" : "does not accept")
                    == true)
        }
    }

    @Test func theScopeOfANewSignInIsTheUnionNeverLess() {
        #expect(BrowserSignIn.union("mcp read", ["read", "files:write", "mcp"]) == "mcp read files:write")
        #expect(BrowserSignIn.union(nil, ["mcp"]) == "mcp")
        #expect(BrowserSignIn.union(nil, []) == nil)
        #expect(BrowserSignIn.union("a  b", []) == "a b")
    }
}
