import Foundation
import OAuthTopTesting
import Synchronization
import Testing
import TokenStore

@testable import RefreshEngine

/// The engine's periodic read of the store (other processes' refreshes, imports, logouts) against its own commits.
@Suite struct StoreSyncTests {
    typealias H = EngineHarness

    /// A store whose next `sessions()` after `holdNextRead()` takes its snapshot when called and hands it over only
    /// when the test opens the gate, as a read can on a busy machine.
    final class SlowReadStore: TokenStore {
        let base: InMemoryTokenStore
        private let holding = Mutex(false)
        private let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
        private let reading: AsyncStream<Void>
        private let readingStarted: AsyncStream<Void>.Continuation

        init(_ base: InMemoryTokenStore) {
            self.base = base
            (reading, readingStarted) = AsyncStream.makeStream(of: Void.self)
        }

        func holdNextRead() { holding.withLock { $0 = true } }

        /// Waits until a `sessions()` call holds its snapshot.
        func readStarted() async { for await _ in reading { return } }
        func openGate() { gate.withLock { $0 }?.resume() }

        func sessions() async throws -> [StoredSession] {
            let snapshot = await base.sessions()
            guard
                holding.withLock({ held in
                    defer { held = false }; return held
                })
            else { return snapshot }
            await withCheckedContinuation { continuation in
                gate.withLock { $0 = continuation }
                readingStarted.yield()
            }
            return snapshot
        }
        func session(for server: String) async throws -> StoredSession? { await base.session(for: server) }
        func refreshStates() async throws -> [String: StoredRefreshState] { await base.refreshStates() }
        func save(_ session: StoredSession) async throws { await base.save(session) }
        func deleteSession(for server: String) async throws { await base.deleteSession(for: server) }
        func saveRefreshState(_ state: StoredRefreshState, for server: String) async throws {
            await base.saveRefreshState(state, for: server)
        }
        func acquireLease(for server: String, owner: String, until: Date, now: Date) async throws -> LeaseOutcome {
            await base.acquireLease(for: server, owner: owner, until: until, now: now)
        }
        func commit(_ session: StoredSession, state: StoredRefreshState?, releasingLeaseOf owner: String) async throws {
            await base.commit(session, state: state, releasingLeaseOf: owner)
        }
        func releaseLease(for server: String, owner: String) async throws {
            await base.releaseLease(for: server, owner: owner)
        }
    }

    /// A read that began before a refresh committed must not bring the rotated-out refresh token back: the next
    /// refresh would send it, and a provider with reuse detection revokes the whole family.
    @Test func aStoreReadOlderThanOurOwnCommitIsNotAdopted() async throws {
        let clock = ManualClock()
        let base = InMemoryTokenStore(sessions: [
            H.session("jira", clock: clock, lifetime: 600, refreshToken: "rt-0")
        ])
        let store = SlowReadStore(base)
        let refresher = ScriptedRefresher()
        let engine = RefreshEngine(
            servers: [ServerDefinition(name: "jira", url: "https://jira.example.com/mcp")], store: store,
            refresher: refresher, clock: clock, owner: "test-engine", jitterSample: { 0 })
        try await engine.start()

        store.holdNextRead()
        let sync = Task { await engine.syncWithStore() }
        await store.readStarted()  // the read holds the session with rt-0
        _ = try await engine.refresh("jira")  // rotates to rt-1 and commits it
        store.openGate()
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
