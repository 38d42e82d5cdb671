import Foundation
import OAuth
import OAuthTopTesting
import Testing

@testable import RefreshEngine

/// A refresh whose answer did not come back in time may have rotated the refresh token at the provider: the
/// engine asks again at once, under the same lease, while a provider's grace window still honours the old token.
@Suite struct LostAnswerTests {
    typealias H = EngineHarness

    @Test func aTimedOutRefreshIsAskedAgainAtOnceWithTheSameRefreshToken() async throws {
        let clock = ManualClock()
        let h = H(sessions: [H.session("jira", clock: clock, age: 3000, refreshToken: "rt-0")], clock: clock)
        h.refresher.enqueue(.failure(.timeout(after: 30)))
        try await h.engine.start()
        let outcome = try await h.engine.refresh("jira")
        #expect(outcome == .refreshed(expiresAt: clock.now.addingTimeInterval(3600)))
        #expect(h.refresher.requests.map(\.refreshToken) == ["rt-0", "rt-0"])
        #expect(h.metrics.counters.filter { $0.label == "mcpproxy_oauth_refresh_total" }.count == 2)
    }

    @Test func aRefusedConnectionIsNotAskedAgainAtOnce() async throws {
        let clock = ManualClock()
        let h = H(sessions: [H.session("jira", clock: clock, age: 3000)], clock: clock)
        h.refresher.enqueue(.failure(.network("connection refused")))
        try await h.engine.start()
        let outcome = try await h.engine.refresh("jira")
        guard case .retrying = outcome else {
            Issue.record("expected a retry later, got \(outcome)")
            return
        }
        #expect(h.refresher.requestCount == 1)
    }
}
