import Foundation
import OAuthTopTesting
import Synchronization
import Testing
import TokenStore

@testable import RefreshEngine

/// The engine's periodic read of the store (other processes' refreshes, imports, logouts) against its own commits.
@Suite struct StoreSyncTests {
    typealias H = EngineHarness

    /// Holds the next store read after `holdNextRead()` between its snapshot and its answer, until `openGate()`.
    final class SlowRead: Sendable {
        private let holding = Mutex(false)
        private let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
        private let reading: AsyncStream<Void>
        private let readingStarted: AsyncStream<Void>.Continuation

        init() {
            (reading, readingStarted) = AsyncStream.makeStream(of: Void.self)
        }

        func holdNextRead() { holding.withLock { $0 = true } }

        /// Waits until a read holds its snapshot.
        func readStarted() async { for await _ in reading { return } }
        func openGate() { gate.withLock { $0 }?.resume() }

        func afterSnapshot() async {
            guard
                holding.withLock({ held in
                    defer { held = false }; return held
                })
            else { return }
            await withCheckedContinuation { continuation in
                gate.withLock { $0 = continuation }
                readingStarted.yield()
            }
        }
    }

    /// A read that began before a refresh committed must not bring the rotated-out refresh token back: the next
    /// refresh would send it, and a provider with reuse detection revokes the whole family.
    @Test func aStoreReadOlderThanOurOwnCommitIsNotAdopted() async throws {
        let clock = ManualClock()
        let base = InMemoryTokenStore(sessions: [
            H.session("jira", clock: clock, lifetime: 600, refreshToken: "rt-0")
        ])
        let slow = SlowRead()
        let store = ForwardingStore(base, afterReadingSessions: { await slow.afterSnapshot() })
        let refresher = ScriptedRefresher()
        let engine = RefreshEngine(
            servers: [ServerDefinition(name: "jira", url: "https://jira.example.com/mcp")], store: store,
            refresher: refresher, clock: clock, owner: "test-engine", jitterSample: { 0 })
        try await engine.start()

        slow.holdNextRead()
        let sync = Task { await engine.syncWithStore() }
        await slow.readStarted()  // the read holds the session with rt-0
        _ = try await engine.refresh("jira")  // rotates to rt-1 and commits it
        slow.openGate()
        await sync.value

        #expect(await base.session(for: "jira")?.refreshToken == "rt-1")
        let status = try await engine.status(of: "jira")
        #expect(status.expiresAt == clock.now.addingTimeInterval(3600), "the engine keeps the tokens it committed")
        #expect(status.health.level == .healthy)
        await clock.advance(by: 3000)
        _ = try await engine.refresh("jira")
        #expect(refresher.requests.map(\.refreshToken) == ["rt-0", "rt-1"], "the second refresh sends rt-1")
    }

    /// What another process commits is still adopted at the next sync.
    @Test func anotherProcessesNewerTokensAreAdopted() async throws {
        let clock = ManualClock()
        let h = H(sessions: [H.session("jira", clock: clock, refreshToken: "rt-0")], clock: clock)
        try await h.engine.start()
        var theirs = H.session("jira", clock: clock, refreshToken: "rt-theirs", accessToken: "at-theirs")
        theirs.issuedAt = clock.now
        await h.store.commit(theirs, state: nil, releasingLeaseOf: "pid-2")
        await h.engine.syncWithStore()
        await clock.advance(by: 3000)
        _ = try await h.engine.refresh("jira")
        #expect(h.refresher.requests.map(\.refreshToken) == ["rt-theirs"])
    }
}

/// A server that only another process can bring back (no session yet: `oauthtop login` runs elsewhere) is looked
/// for at every store sync, 5 s apart, not after the loop's 30 s idle sleep.
@Suite struct SessionFromElsewhereTests {
    typealias H = EngineHarness

    @Test func aSignInElsewhereIsAdoptedWithinOneStoreSync() async throws {
        let clock = ManualClock()
        let h = H(servers: ["jira"], clock: clock)
        let loop = Task { try await h.engine.run() }
        defer { loop.cancel() }
        #expect(await h.eventually { clock.sleepRequests == [RefreshPolicy.storeSyncInterval] })
        #expect(try await h.status("jira").facts.hasSession == false)

        var signedIn = H.session("jira", clock: clock, refreshToken: "rt-elsewhere")
        signedIn.issuedAt = clock.now
        await h.store.save(signedIn)
        await clock.advance(by: RefreshPolicy.storeSyncInterval)

        #expect(await h.eventually { (try? await h.status("jira").health.level) == .healthy })
        // Nothing left to wait for: the loop sleeps until the refresh is due, at most 30 s.
        #expect(await h.eventually { clock.sleepRequests.last == RefreshPolicy.maxSleep })
    }
}
