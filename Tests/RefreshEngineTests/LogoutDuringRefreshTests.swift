import Foundation
import OAuthTopTesting
import Testing
import TokenStore

@testable import RefreshEngine

/// `oauthtop logout` in another process while this engine's refresh is on the wire: the logout wins.
@Suite struct LogoutDuringRefreshTests {
    @Test func theLateTokensAreDroppedAndRevokedAndTheSessionStaysGone() async throws {
        let clock = ManualClock()
        let base = InMemoryTokenStore(sessions: [EngineHarness.session("jira", clock: clock, age: 3000)])
        let refresher = ScriptedRefresher()
        let signIn = ScriptedSignIn { _ in .failure(.provider("not used here")) }
        let engine = RefreshEngine(
            servers: [ServerDefinition(name: "jira", url: "https://jira.example.com/mcp")], store: base,
            refresher: refresher, signIn: signIn, clock: clock, owner: "test-engine", jitterSample: { 0 })
        try await engine.start()

        refresher.hold()
        let refresh = Task { try await engine.refresh("jira") }
        await refresher.requestHeld()
        await base.deleteSession(for: "jira")  // the other process's logout
        refresher.release()

        let outcome = try await refresh.value
        #expect(
            outcome == .failed(error: "server 'jira' was logged out while its refresh was on its way; sign in again"))
        #expect(await base.session(for: "jira") == nil, "the session did not come back")
        #expect(signIn.revoked.map { $0.accessToken } == ["at-1"], "the late tokens were revoked")
        let status = try await engine.status(of: "jira")
        #expect(status.health.summary == "Logged out" && status.health.action == .login)
    }

    /// A sign-in (or an import) in another process stores a new session while this engine's refresh of the old
    /// one is on the wire: the new grant stays; the refresh's tokens are dropped and the engine takes the new ones.
    @Test func aSessionReplacedMeanwhileIsNeverOverwrittenByTheOldGrant() async throws {
        let clock = ManualClock()
        let base = InMemoryTokenStore(sessions: [EngineHarness.session("jira", clock: clock, age: 3000)])
        let refresher = ScriptedRefresher()
        let engine = RefreshEngine(
            servers: [ServerDefinition(name: "jira", url: "https://jira.example.com/mcp")], store: base,
            refresher: refresher, clock: clock, owner: "test-engine", jitterSample: { 0 })
        try await engine.start()

        refresher.hold()
        let refresh = Task { try await engine.refresh("jira") }
        await refresher.requestHeld()
        var signedIn = EngineHarness.session("jira", clock: clock, refreshToken: "rt-signed", accessToken: "at-signed")
        signedIn.issuedAt = clock.now
        await base.save(signedIn)  // the other process's sign-in
        refresher.release()

        #expect(try await refresh.value == .adopted(expiresAt: signedIn.expiresAt))
        #expect(await base.session(for: "jira")?.accessToken == "at-signed", "the new sign-in was not overwritten")
        #expect(try await engine.status(of: "jira").health.level == .healthy)
    }
}
