import Foundation
import MetricsTestKit
import OAuth
import OAuthTopTesting
import Testing

@testable import RefreshEngine

/// mcpproxy's log messages and metrics, recorded on every attempt, and never a token in them.
@Suite struct TelemetryRecordingTests {
    typealias H = EngineHarness

    @Test func everyAttemptIsCountedAndTimedWithItsResult() async throws {
        let clock = ManualClock()
        let refresher = ScriptedRefresher()
        refresher.enqueue(
            .failure(.network("connection refused")), .failure(.init(kind: .http, status: 503)),
            .tokens(TokenResponse(accessToken: "at-fresh", refreshToken: "rt-fresh", expiresIn: 3600)),
            .failure(.init(kind: .http, status: 400, code: "invalid_grant")))
        let h = H(
            sessions: [H.session("jira", clock: clock, age: 7200)], policy: RefreshPolicy(minAttemptInterval: 0),
            refresher: refresher, clock: clock)
        try await h.engine.start()
        for _ in 0..<4 { _ = try await h.engine.refresh("jira") }

        func count(_ result: String) -> Int64 {
            h.metrics.counterTotal(
                label: "mcpproxy_oauth_refresh_total", dimensions: [("server", "jira"), ("result", result)])
        }
        #expect(count("failed_network") == 1)
        #expect(count("failed_other") == 1)
        #expect(count("success") == 1)
        #expect(count("failed_invalid_grant") == 1)
        let timers = h.metrics.timers(label: "mcpproxy_oauth_refresh_duration_seconds")
        #expect(timers.map(\.values.count).reduce(0, +) == 4)
        #expect(Set(timers.flatMap(\.dimensions).filter { $0.0 == "result" }.map(\.1)).count == 4)
    }

    @Test func durationIsTheRealTimeOfTheRequest() async throws {
        let clock = ManualClock()
        let h = H(sessions: [H.session("slow", clock: clock, age: 7200)], clock: clock)
        try await h.engine.start()
        h.refresher.hold()
        await h.engine.processDue()
        #expect(await h.eventually { h.refresher.waitingCount == 1 })
        await clock.advance(by: 1.5)
        h.refresher.release()
        await h.engine.waitForIdle()
        let timer = try h.metrics.expectTimer(
            "mcpproxy_oauth_refresh_duration_seconds", [("server", "slow"), ("result", "success")])
        #expect(timer.values == [1_500_000_000])
        #expect(try await h.status("slow").lastRefreshDuration == 1.5)
        let succeeded = try #require(h.logs.entries.first { "\($0.message)" == "OAuth token refresh succeeded" })
        #expect(succeeded.metadata["duration_ms"] == "1500")
        #expect(succeeded.metadata["server"] == "slow")
        #expect(succeeded.metadata["result"] == "success")
    }

    @Test func logMessagesFollowTheContractAndCarryNoToken() async throws {
        let clock = ManualClock()
        let refresher = ScriptedRefresher()
        // A provider that echoes the refresh token in its error must not get it into our log.
        refresher.enqueue(
            .failure(.init(kind: .http, status: 503, errorDescription: "upstream rejected rt-secret-0 for client")),
            .tokens(TokenResponse(accessToken: "at-secret-1", refreshToken: "rt-secret-1", expiresIn: 3600)))
        let h = H(
            sessions: [
                H.session("jira", clock: clock, age: 7200, refreshToken: "rt-secret-0", accessToken: "at-secret-0")
            ],
            refresher: refresher, clock: clock)
        try await h.engine.start()
        let failedAt = clock.now
        await h.tick()
        let retryAt = try #require(try await h.status("jira").nextAttempt)
        // The first retry waits the policy's backoff base (10 s); the clock starts at 2027-01-15T08:00:00Z.
        #expect(retryAt == failedAt.addingTimeInterval(RefreshPolicy().retryBackoffBase))
        await h.tick(at: retryAt)
        let messages = h.messages
        for expected in [
            "OAuth token refresh scheduled", "OAuth token refresh attempt", "OAuth token refresh failed",
            "OAuth token refresh retry scheduled", "OAuth token refresh succeeded",
        ] {
            #expect(messages.contains(expected), "missing log message \(expected)")
        }
        #expect(!messages.contains("OAuth client connection successful"))
        let retry = try #require(h.logs.entries.first { "\($0.message)" == "OAuth token refresh retry scheduled" })
        #expect(retry.metadata["retry_count"] == "1")
        #expect(retry.metadata["next_attempt"] == "2027-01-15T08:00:10Z")
        let failed = try #require(h.logs.entries.first { "\($0.message)" == "OAuth token refresh failed" })
        #expect(failed.metadata["error"] == "HTTP 503: upstream rejected [redacted] for client")
        #expect(failed.metadata["result"] == "failed_other")

        let everything =
            h.logs.entries.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
            + (await h.engine.snapshot().map { "\($0)" }.joined())
        for secret in ["rt-secret-0", "rt-secret-1", "at-secret-0", "at-secret-1"] {
            #expect(!everything.contains(secret), "\(secret) leaked")
        }
    }
}
