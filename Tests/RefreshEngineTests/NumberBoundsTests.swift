import Foundation
import OAuth
import OAuthTopTesting
import Testing
import TokenStore

@testable import RefreshEngine

/// Numbers from outside that are not numbers (docs/refresh-policy.md, docs/security.md).
@Suite struct NumberBoundsTests {
    typealias H = EngineHarness

    /// A provider's `expires_in` of 0 or below means "expired now", not "never expires": the session is refreshed
    /// again at once (no sooner than `min_attempt_interval` after the last attempt).
    @Test(arguments: [0.0, -5.0])
    func anExpiresInOfZeroOrBelowIsRefreshedAtOnce(lifetime: Double) async throws {
        let clock = ManualClock()
        let h = H(
            sessions: [H.session("jira", clock: clock, age: 7200, lifetime: 3600)],
            refresher: ScriptedRefresher(lifetime: lifetime), clock: clock)
        try await h.engine.start()
        await h.tick()
        #expect(h.refresher.requestCount == 1)
        let status = try await h.status("jira")
        #expect(status.expiresAt == clock.now, "expired now, not 'no known expiry'")
        let next = try #require(status.nextAttempt, "scheduled, not left alone")
        let interval = RefreshPolicy().minAttemptInterval
        #expect(next <= clock.now.addingTimeInterval(interval))
        await h.tick(at: clock.now.addingTimeInterval(interval))
        #expect(h.refresher.requestCount == 2)
    }

    @Test(arguments: [
        "min_buffer", "retry_backoff_base", "max_retry_backoff", "min_attempt_interval",
        "expiry_warning", "probe_interval",
    ])
    func policySecondsAreBoundedToAYear(key: String) {
        var policy = RefreshPolicy()
        switch key {
        case "min_buffer": policy.minBuffer = 1e300
        case "retry_backoff_base":
            policy.retryBackoffBase = 1e300
            policy.maxRetryBackoff = 1e300
        case "max_retry_backoff": policy.maxRetryBackoff = 1e300
        case "min_attempt_interval": policy.minAttemptInterval = 1e300
        case "expiry_warning": policy.expiryWarning = 1e300
        default: policy.probeInterval = 1e300
        }
        #expect(throws: RefreshPolicy.Invalid.self, "\(key) = 1e300") { try policy.validate() }
        do {
            try policy.validate()
        } catch {
            #expect(error.key == key && error.problem.contains("31536000"), "\(error)")
        }
    }
}
