import Foundation
import OAuthTopTesting
import Synchronization
import Testing
import TokenStore

@testable import RefreshEngine

/// New tokens the store refused (busy past its timeout, a full disk) are the only copy of a rotated refresh token:
/// the engine keeps them, saves them on the next attempt, and never falls back to the older tokens the store holds.
@Suite struct UnsavedTokensTests {
    struct DiskFull: Error, CustomStringConvertible {
        var description: String { "disk full" }
    }

    @Test func refusedTokensAreSavedLaterAndTheOldRefreshTokenIsNeverSentAgain() async throws {
        let clock = ManualClock()
        let base = InMemoryTokenStore(sessions: [
            EngineHarness.session("jira", clock: clock, age: 3000, refreshToken: "rt-0")
        ])
        let failures = Mutex(1)
        let store = ForwardingStore(
            base,
            beforeCommit: {
                let fail = failures.withLock { left in
                    defer { left = max(0, left - 1) }
                    return left > 0
                }
                if fail { throw DiskFull() }
            })
        let refresher = ScriptedRefresher()
        let engine = RefreshEngine(
            servers: [ServerDefinition(name: "jira", url: "https://jira.example.com/mcp")], store: store,
            refresher: refresher, clock: clock, owner: "test-engine", jitterSample: { 0 })
        try await engine.start()

        let first = try await engine.refresh("jira")
        #expect(
            first
                == .retrying(
                    error: "could not save the new tokens: disk full", nextAttempt: clock.now.addingTimeInterval(10)))
        #expect(await base.session(for: "jira")?.refreshToken == "rt-0", "the store still has the old tokens")

        await clock.advance(by: 10)
        let second = try await engine.refresh("jira")
        #expect(second == .refreshed(expiresAt: clock.now.addingTimeInterval(-10 + 3600)))
        #expect(await base.session(for: "jira")?.refreshToken == "rt-1", "the held tokens are saved")
        #expect(refresher.requests.map(\.refreshToken) == ["rt-0"], "saving sent nothing")
        #expect(try await engine.status(of: "jira").refreshState == .scheduled)

        await clock.advance(by: 3000)
        _ = try await engine.refresh("jira")
        #expect(refresher.requests.map(\.refreshToken) == ["rt-0", "rt-1"])
    }
}
