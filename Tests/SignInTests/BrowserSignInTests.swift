import DemoProvider
import Foundation
import Logging
import OAuth
import OAuthTopTesting
import RefreshEngine
import Testing
import TokenStore

@testable import SignIn

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The whole browser sign-in in process: discovery at the demo provider, client choice, the authorization URL, the
/// real callback server on 127.0.0.1 reached by a test browser, the code exchange (the provider checks PKCE), and
/// what ends up stored.
@Suite struct BrowserSignInTests {
    @Test func discoversRegistersAuthorizesAndExchanges() async throws {
        try await SignInHarness.with { h in
            let browser = TestBrowser(.approve)
            let reported = ReportedURLs()
            let session = try await h.service(browser).signIn(h.definition, onAuthorizationURL: reported.callback)
            let base = h.base.absoluteString

            let url = try #require(reported.all.first)
            #expect(reported.all.count == 1)
            #expect(url.absoluteString.hasPrefix(base + "/authorize?response_type=code&client_id="))
            let query = TestBrowser.query(of: url)
            #expect(
                Set(query.keys) == [
                    "response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                    "code_challenge_method", "resource",
                ])
            #expect(query["code_challenge_method"] == "S256")
            #expect(query["scope"] == "mcp:read mcp:write", "the resource's scopes_supported")
            #expect(query["resource"] == base + "/mcp")
            #expect(query["state"]?.count == 43)
            #expect(query["code_challenge"]?.count == 43)
            let redirect = try #require(query["redirect_uri"])
            let port = try #require(URLComponents(string: redirect)?.port)
            #expect(redirect == "http://127.0.0.1:\(port)\(RedirectPath.perIssuer(base))")
            #expect(RedirectPath.perIssuer(base).count == "/callback/".count + 16)
            #expect(RedirectPath.perIssuer(base) != RedirectPath.perIssuer(base + "/other"))
            let clientID = try #require(query["client_id"])
            #expect(clientID.hasPrefix("demo-") && clientID.count == 21)

            #expect(
                await h.store.clientRegistrations(for: "demo", issuer: base) == [
                    StoredClientRegistration(
                        server: "demo", issuer: base, redirectURI: redirect, clientID: clientID, authMethod: "none",
                        registeredAt: h.clock.now, scope: "mcp:read mcp:write")
                ])
            #expect(
                await h.store.discovery(for: "demo")
                    == StoredDiscovery(
                        server: "demo", serverURL: base + "/mcp", resource: base + "/mcp",
                        resourceMetadataURL: base + "/.well-known/oauth-protected-resource/mcp",
                        scopesSupported: ["mcp:read", "mcp:write"], issuer: base,
                        metadataURL: base + "/.well-known/oauth-authorization-server",
                        authorizationEndpoint: base + "/authorize", tokenEndpoint: base + "/token",
                        registrationEndpoint: base + "/register", revocationEndpoint: base + "/revoke",
                        codeChallengeMethods: ["S256"], discoveredAt: h.clock.now))

            #expect(session.accessToken.hasPrefix("demo-at-") && session.accessToken.count == 40)
            let refreshToken = try #require(session.refreshToken)
            #expect(refreshToken.hasPrefix("demo-rt-") && refreshToken.count == 40)
            #expect(
                session
                    == StoredSession(
                        server: "demo", accessToken: session.accessToken, tokenType: "Bearer",
                        refreshToken: refreshToken, scope: "mcp:read mcp:write", issuedAt: h.clock.now,
                        expiresAt: h.clock.now.addingTimeInterval(3600),
                        client: ClientRegistration(
                            tokenEndpoint: base + "/token", clientID: clientID, authMethod: "none",
                            resource: base + "/mcp"), serverURL: base + "/mcp"))
            #expect(try await h.mcpStatus(accessToken: session.accessToken) == 200)

            let (pages, failures) = await browser.pages()
            #expect(failures == [])
            #expect(pages.map(\.status) == [200])
            let page = try #require(pages.first?.text)
            #expect(page.contains("<title>oauthtop: Signed in</title>"))
            #expect(page.contains("oauthtop is signed in to <b>demo</b>."))
            #expect(!page.contains(try #require(query["state"])) && !page.contains(session.accessToken))
            #expect(h.said.all == [])
        }
    }

    @Test func aStoredRegistrationIsReusedOnItsPort() async throws {
        try await SignInHarness.with { h in
            let first = ReportedURLs(), second = ReportedURLs()
            let one = try await h.service(TestBrowser()).signIn(h.definition, onAuthorizationURL: first.callback)
            let two = try await h.service(TestBrowser()).signIn(h.definition, onAuthorizationURL: second.callback)
            let (firstQuery, secondQuery) = (TestBrowser.query(of: first.all[0]), TestBrowser.query(of: second.all[0]))

            #expect(secondQuery["client_id"] == firstQuery["client_id"])
            #expect(secondQuery["redirect_uri"] == firstQuery["redirect_uri"])
            #expect(secondQuery["state"] != firstQuery["state"])
            #expect(secondQuery["code_challenge"] != firstQuery["code_challenge"])
            #expect(await h.store.clientRegistrations(for: "demo", issuer: h.base.absoluteString).count == 1)
            #expect(two.client?.clientID == one.client?.clientID)
            #expect(two.accessToken != one.accessToken && two.refreshToken != one.refreshToken)
        }
    }

    @Test func aConfiguredClientAndEndpointsSkipDiscoveryAndRegistration() async throws {
        try await SignInHarness.with { h in
            let base = h.base.absoluteString
            let clientID = try await h.preRegisteredClient(name: "rotating")
            let settings = SignInSettings(
                url: h.mcp, clientID: clientID, scopes: ["mcp:read"],
                authorizationEndpoint: URL(string: base + "/authorize"), tokenEndpoint: URL(string: base + "/token"),
                extraParams: ["prompt": "consent", "state": "not-this-one"])
            let reported = ReportedURLs()
            let session = try await h.service(TestBrowser(), settings: settings)
                .signIn(h.definition, onAuthorizationURL: reported.callback)

            let query = TestBrowser.query(of: try #require(reported.all.first))
            #expect(query["client_id"] == clientID)
            #expect(query["scope"] == "mcp:read")
            #expect(query["prompt"] == "consent")
            #expect(query["state"]?.count == 43, "extra_params cannot replace the state")
            #expect(await h.store.clientRegistrations(for: "demo", issuer: base + "/authorize") == [])
            #expect(
                await h.store.discovery(for: "demo")
                    == StoredDiscovery(
                        server: "demo", serverURL: h.mcp, authorizationEndpoint: base + "/authorize",
                        tokenEndpoint: base + "/token", codeChallengeMethods: ["S256"], discoveredAt: h.clock.now))
            #expect(session.scope == "mcp:read")
            #expect(session.expiresAt == h.clock.now.addingTimeInterval(20), "the rotating archetype's lifetime")
            #expect(
                session.client
                    == ClientRegistration(
                        tokenEndpoint: base + "/token", clientID: clientID, authMethod: "none", resource: h.mcp))
        }
    }

    @Test func aRedirectWithAnotherStateIsRefusedAndTheSignInGoesOn() async throws {
        try await SignInHarness.with { h in
            let browser = TestBrowser(.wrongStateFirst(OAuthState.generate()))
            let session = try await h.service(browser).signIn(h.definition, onAuthorizationURL: { _ in })
            #expect(session.accessToken.hasPrefix("demo-at-"))
            let (pages, failures) = await browser.pages()
            #expect(failures == [])
            #expect(pages.map(\.status) == [400, 200])
            #expect(pages.first?.text.contains("<title>oauthtop: Not this sign-in</title>") == true)
            #expect(
                h.said.all == [
                    "demo: ignored a redirect to the callback whose state does not match this sign-in (still waiting)"
                ])
        }
    }

    @Test func aDenialEndsTheSignInAndTellsTheBrowser() async throws {
        try await SignInHarness.with { h in
            let browser = TestBrowser(.deny("The user said no"))
            await #expect(
                throws: SignInError(.denied, "the sign-in was denied at the provider (access_denied: The user said no)")
            ) {
                try await h.service(browser).signIn(h.definition, onAuthorizationURL: { _ in })
            }
            let (pages, failures) = await browser.pages()
            #expect(failures == [])
            #expect(pages.map(\.status) == [200])
            #expect(pages.first?.text.contains("<title>oauthtop: Sign-in failed</title>") == true)
            #expect(pages.first?.text.contains("<p>The provider said: access_denied: The user said no.</p>") == true)
        }
    }

    @Test func aCodeTheProviderDidNotIssueFailsTheExchange() async throws {
        try await SignInHarness.with { h in
            let forged = DemoSecrets.hex(32)
            let browser = TestBrowser(.forgeCode(forged))
            let error = await #expect(throws: SignInError.self) {
                try await h.service(browser).signIn(h.definition, onAuthorizationURL: { _ in })
            }
            let message = "code exchange: HTTP 400 invalid_grant: the authorization code is unknown, used or expired"
            #expect(error == SignInError(.provider, message))
            let (pages, _) = await browser.pages()
            #expect(pages.first?.text.contains("<p>oauthtop could not finish the sign-in: \(message).</p>") == true)
            #expect(pages.first?.text.contains(forged) == false)
            #expect(
                await h.store.clientRegistrations(for: "demo", issuer: h.base.absoluteString).count == 1,
                "a client the provider still knows is kept")
        }
    }

    @Test func nobodyComingBackTimesOutAndFreesThePort() async throws {
        try await SignInHarness.with { h in
            let clock = ImpatientClock(h.clock)
            let reported = ReportedURLs()
            var service = h.service(TestBrowser(.stayAway), clock: clock)
            service.timeout = 120
            await #expect(
                throws: SignInError(
                    .timedOut,
                    "nobody completed the sign-in in the browser within 2m; run oauthtop login demo again")
            ) {
                try await service.signIn(h.definition, onAuthorizationURL: reported.callback)
            }
            #expect(clock.waits == [120])
            let url = try #require(reported.all.first)
            let redirect = try #require(TestBrowser.query(of: url)["redirect_uri"])
            await #expect(throws: (any Error).self, "the callback server stopped") {
                _ = try await URLSession.shared.data(from: URL(string: redirect)!)
            }
        }
    }

    @Test func cancellingTheTaskCancelsTheSignIn() async throws {
        try await SignInHarness.with { h in
            let reported = ReportedURLs()
            let service = h.service(TestBrowser(.stayAway))
            let signIn = Task { try await service.signIn(h.definition, onAuthorizationURL: reported.callback) }
            _ = await reported.first()
            signIn.cancel()
            await #expect(throws: SignInError(.cancelled, "sign-in cancelled")) { try await signIn.value }
        }
    }

    @Test func anUnknownServerIsAConfigurationError() async throws {
        try await SignInHarness.with { h in
            await #expect(throws: SignInError(.configuration, "no server named 'jira' in the configuration")) {
                try await h.service(TestBrowser()).signIn(ServerDefinition(name: "jira"), onAuthorizationURL: { _ in })
            }
        }
    }
}

/// The sign-in behind the engine's `login`, and logout's revocation, against the same provider; the browser is
/// the one `oauthtop demo` uses, the provider following its own authorization URL.
@Suite struct BrowserSignInThroughTheEngineTests {
    @Test func loginStoresTheSessionAndLogoutRevokesIt() async throws {
        try await SignInHarness.with { h in
            let provider = h.provider
            let service = h.service(.automatic { url in Task { await provider.followAuthorization(url) } })
            let engine = RefreshEngine(
                servers: [h.definition], store: h.store, refresher: TokenClient(timeout: 10), signIn: service,
                clock: h.clock, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            try await engine.start()

            #expect(try await engine.login("demo") == .signedIn(expiresAt: h.clock.now.addingTimeInterval(3600)))
            let stored = try #require(await h.store.session(for: "demo"))
            #expect(stored.accessToken.hasPrefix("demo-at-") && stored.refreshToken?.hasPrefix("demo-rt-") == true)
            #expect(stored.client?.tokenEndpoint == h.base.absoluteString + "/token")
            #expect(try await h.mcpStatus(accessToken: stored.accessToken) == 200)

            #expect(await service.revoke(stored) == .revoked)
            #expect(
                try await h.mcpStatus(accessToken: stored.accessToken) == 401,
                "revoking the refresh token ends its family")
            let refresh = RefreshRequest(
                tokenEndpoint: URL(string: h.base.absoluteString + "/token")!, refreshToken: stored.refreshToken!,
                clientID: stored.client!.clientID, resource: h.mcp)
            await #expect(
                throws: TokenEndpointError(
                    kind: .http, status: 400, code: "invalid_grant", errorDescription: "the refresh token was revoked")
            ) { try await TokenClient(timeout: 10).refresh(refresh) }
        }
    }
}

enum DemoSecrets {
    /// `count` random bytes as lowercase hex, the shape of the demo provider's codes and tokens.
    static func hex(_ count: Int) -> String {
        (0..<count).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}
