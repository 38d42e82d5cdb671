import Foundation
import OAuthTopTesting
import Synchronization
import Testing
import TokenStore

@testable import RefreshEngine

/// Another writer holding the store for seconds (the soak's busy store) delays the bookkeeping, never a refresh.
@Suite struct BusyStoreTests {
    /// A refresh whose commit waits for the busy store has its answer already: its slot (`max_parallel`, here 1)
    /// goes to the next due refresh, which is sent meanwhile. (Slots used to be held until the commit, and the retry
    /// of a refresh whose holder had died missed the provider's grace window behind commits that waited.)
    @Test func aCommitWaitingForABusyStoreDoesNotHoldItsSlot() async throws {
        let clock = ManualClock()
        let busy = Mutex(true)
        let waiting = Mutex(0)
        let base = InMemoryTokenStore(sessions: [
            EngineHarness.session("a", clock: clock, age: 3000, refreshToken: "rt-a"),
            EngineHarness.session("b", clock: clock, age: 3000, refreshToken: "rt-b"),
        ])
        let store = ForwardingStore(
            base,
            beforeCommit: {
                waiting.withLock { $0 += 1 }
                while busy.withLock({ $0 }) { await Task.yield() }
            })
        let refresher = ScriptedRefresher()
        var policy = RefreshPolicy()
        policy.maxParallel = 1
        let engine = RefreshEngine(
            servers: ["a", "b"].map { ServerDefinition(name: $0, url: "https://\($0).example.com/mcp") },
            store: store, refresher: refresher, clock: clock, policy: policy, owner: "test-engine",
            jitterSample: { 0 })
        try await engine.start()
        defer { busy.withLock { $0 = false } }

        await engine.processDue()

        #expect(await eventually { refresher.requestCount == 2 }, "b was sent while a's commit waited")
        #expect(Set(refresher.requests.map(\.refreshToken)) == ["rt-a", "rt-b"])
        #expect(waiting.withLock { $0 } >= 1 && busy.withLock { $0 })
        busy.withLock { $0 = false }
        await engine.waitForIdle()
        #expect(await base.session(for: "a")?.refreshToken != "rt-a")
        #expect(await base.session(for: "b")?.refreshToken != "rt-b")
    }

    private func eventually(_ condition: () async -> Bool) async -> Bool {
        for _ in 0..<200_000 {
            if await condition() { return true }
            await Task.yield()
        }
        return await condition()
    }
}
