import DemoProvider
import Foundation
import Logging
import OAuth
import RefreshEngine
import Testing
import TokenStore

/// What `oauthtop token` hands out after a real sign-in, with the real token client against the demo provider:
/// the stored token while it is fresh, a refreshed (rotated) one once its proactive refresh time has passed, and
/// "sign in" once the provider has revoked the session.
@Suite struct TokenIssuerAgainstDemoProviderTests {
    private static func issuer(_ h: SignInHarness) -> TokenIssuer {
        TokenIssuer(store: h.store, policy: RefreshPolicy(), clock: h.clock) { server in
            RefreshEngine(
                servers: [server], store: h.store, refresher: TokenClient(timeout: 10), clock: h.clock,
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), owner: "pid-7-token")
        }
    }

    private static func signIn(_ h: SignInHarness) async throws -> StoredSession {
        let provider = h.provider
        let service = h.service(.automatic { url in Task { await provider.followAuthorization(url) } })
        return try await service.signIn(h.definition, onAuthorizationURL: { _ in })
    }

    @Test func aFreshTokenIsTheStoredOneAndADueOneIsRefreshedAtTheProvider() async throws {
        try await SignInHarness.with { h in
            let signedIn = try await Self.signIn(h)
            await h.store.save(signedIn)
            let issuer = Self.issuer(h)

            let fresh = try await issuer.validSession(for: h.definition)
            #expect(fresh.session.accessToken == signedIn.accessToken)
            #expect(fresh.warning == nil)

            await h.clock.advance(by: 2_881)  // past 0.8 of the hour the demo's tokens live
            let renewed = try await issuer.validSession(for: h.definition)
            #expect(renewed.session.accessToken.hasPrefix("demo-at-"))
            #expect(renewed.session.accessToken != signedIn.accessToken)
            #expect(renewed.session.refreshToken != signedIn.refreshToken, "the demo provider rotates")
            #expect(renewed.session.expiresAt == h.clock.now.addingTimeInterval(3600))
            #expect(await h.store.session(for: "demo")?.accessToken == renewed.session.accessToken)
            #expect(try await h.mcpStatus(accessToken: renewed.session.accessToken) == 200)
        }
    }

    @Test func aRevokedSessionNeedsSignInOnceItIsDue() async throws {
        try await SignInHarness.with { h in
            let signedIn = try await Self.signIn(h)
            await h.store.save(signedIn)
            let service = h.service(TestBrowser())
            #expect(await service.revoke(signedIn) == .revoked)

            await h.clock.advance(by: 2_881)
            await #expect(
                throws: TokenIssueError.signInRequired(
                    "cannot refresh 'demo': HTTP 400 invalid_grant: the refresh token was revoked; "
                        + "sign in again: oauthtop login demo")
            ) { try await Self.issuer(h).validSession(for: h.definition) }
        }
    }
}
