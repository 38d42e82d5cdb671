import Foundation
import Health
import OAuthTopTesting
import Testing

@testable import RefreshEngine

@Suite struct StatusStreamTests {
    static func status(_ name: String, retries: Int) -> ServerStatus {
        let facts = HealthFacts(hasSession: true, refreshState: .retrying, retryCount: retries)
        return ServerStatus(
            name: name, version: UInt64(retries), facts: facts,
            health: HealthStatus(level: .degraded, summary: "Token refresh pending"),
            observedAt: Date(timeIntervalSince1970: 0))
    }

    /// A reader that does not keep up holds one pending status per server, and reads each server's latest.
    @Test func slowReaderSeesLatestStateOfEveryServerAndMemoryStaysFlat() async {
        let broadcaster = StatusBroadcaster()
        let mailbox = broadcaster.subscribe()
        let stream = AsyncStream(unfolding: { await mailbox.take() })
        for round in 1...1000 {
            for server in 0..<100 {
                broadcaster.publish(Self.status("s\(server)", retries: round))
            }
        }
        var seen: [String: Int] = [:]
        var iterator = stream.makeAsyncIterator()
        for _ in 0..<100 {
            guard let status = await iterator.next() else { break }
            seen[status.name] = status.retryCount
        }
        #expect(seen.count == 100)
        #expect(seen.values.allSatisfy { $0 == 1000 })
        broadcaster.finish()
        #expect(await iterator.next() == nil)
    }

    @Test func pendingStatusesAreBoundedByTheNumberOfServers() {
        let mailbox = StatusMailbox()
        for round in 0..<100_000 {
            mailbox.put(Self.status("s\(round % 50)", retries: round))
        }
        #expect(mailbox.pendingCount == 50)
    }

    /// A batch reader gets every server once per batch, with its latest status, in the order servers first changed.
    @Test func aBatchHoldsTheLatestStatusOfEachChangedServerOnce() async {
        let mailbox = StatusMailbox()
        for round in 1...3 {
            for server in 0..<1000 { mailbox.put(Self.status("s\(server)", retries: round)) }
        }
        let batch = await mailbox.takeBatch()
        #expect(batch?.count == 1000)
        #expect(batch?.map(\.name) == (0..<1000).map { "s\($0)" })
        #expect(batch?.allSatisfy { $0.retryCount == 3 } == true)
        #expect(mailbox.pendingCount == 0)
        mailbox.put(Self.status("s7", retries: 4))
        #expect(await mailbox.takeBatch()?.map(\.retryCount) == [4])
        mailbox.finish()
        #expect(await mailbox.takeBatch() == nil)
    }

    @Test func engineBatchesStartWithEveryServerThenCarryOnlyChanges() async throws {
        let clock = ManualClock()
        let h = EngineHarness(
            sessions: [EngineHarness.session("a", clock: clock), EngineHarness.session("b", clock: clock)], clock: clock
        )
        try await h.engine.start()
        var batches = h.engine.statusBatches.makeAsyncIterator()
        var first: [ServerStatus] = []
        while first.count < 2, let batch = await batches.next() { first += batch }
        #expect(first.map(\.name).sorted() == ["a", "b"])
        _ = try await h.engine.refresh("b")
        let next = await batches.next()
        #expect(next?.map(\.name) == ["b"])
        #expect(next?.first?.lastRefreshAt == clock.now)
    }

    @Test func newSubscriberStartsWithEveryServer() async throws {
        let clock = ManualClock()
        let h = EngineHarness(
            sessions: [EngineHarness.session("a", clock: clock), EngineHarness.session("b", clock: clock)], clock: clock
        )
        try await h.engine.start()
        var iterator = h.engine.statuses.makeAsyncIterator()
        let first = await iterator.next()
        let second = await iterator.next()
        #expect(Set([first?.name, second?.name]) == ["a", "b"])
        #expect(first?.refreshState == .scheduled && second?.refreshState == .scheduled)
    }

    /// The snapshot a subscription starts with never overwrites a newer status published meanwhile.
    @Test func olderStatusesNeverReplaceNewerOnes() async {
        let mailbox = StatusMailbox()
        mailbox.put(Self.status("a", retries: 5))
        mailbox.put(Self.status("a", retries: 3))
        #expect(await mailbox.take()?.retryCount == 5)
        mailbox.put(Self.status("a", retries: 4))
        mailbox.put(Self.status("a", retries: 6))
        #expect(await mailbox.take()?.retryCount == 6)
        #expect(mailbox.pendingCount == 0)
    }

    @Test func engineStreamShowsRefreshingThenTheNewExpiry() async throws {
        let clock = ManualClock()
        let h = EngineHarness(sessions: [EngineHarness.session("jira", clock: clock)], clock: clock)
        try await h.engine.start()
        var updates = h.engine.statuses.makeAsyncIterator()
        #expect(await updates.next()?.refreshState == .scheduled)
        h.refresher.hold()
        let forced = Task { try await h.engine.refresh("jira") }
        #expect(await updates.next()?.refreshState == .refreshing)
        h.refresher.release()
        _ = try await forced.value
        let done = await updates.next()
        #expect(done?.refreshState == .scheduled)
        #expect(done?.expiresAt == clock.now.addingTimeInterval(3600))
        #expect(done?.lastRefreshAt == clock.now)
    }

    /// Coalescing: a reader that was busy during a refresh gets the final state, not the steps.
    @Test func busyReaderGetsOnlyTheFinalState() async throws {
        let clock = ManualClock()
        let h = EngineHarness(sessions: [EngineHarness.session("jira", clock: clock)], clock: clock)
        try await h.engine.start()
        var updates = h.engine.statuses.makeAsyncIterator()
        _ = await updates.next()
        for _ in 0..<50 { _ = try await h.engine.refresh("jira"); await clock.advance(by: 10) }
        let latest = await updates.next()
        #expect(latest?.refreshState == .scheduled)
        #expect(latest?.lastRefreshAt == clock.now.addingTimeInterval(-10))
        #expect(h.refresher.requestCount == 50)
    }

    @Test func abandonedSubscriptionsAreDropped() async {
        let broadcaster = StatusBroadcaster()
        do {
            let mailbox = broadcaster.subscribe()
            _ = mailbox
        }
        broadcaster.publish(Self.status("a", retries: 1))
        #expect(broadcaster.subscriberCount == 0)
    }
}
