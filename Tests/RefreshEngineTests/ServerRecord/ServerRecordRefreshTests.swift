import Foundation
import Health
import OAuth
import Testing
import TokenStore

@testable import RefreshEngine

/// One attempt's transitions as pure functions: begin, the checks, success, retry, permanent failure, end.
@Suite struct ServerRecordRefreshTests {
    typealias R = Records

    @Test func beginningARefreshCancelsTheDeadlineAndShowsRefreshing() {
        var record = R.planned()
        _ = record.deferForcedRefresh(until: R.at(8), R.context())
        let effects = record.beginRefresh(R.refreshTask())
        #expect(record.state == .refreshing)
        #expect(record.deadline == nil)
        #expect(!record.forcePending)
        #expect(record.nextAttempt == nil)
        #expect(effects.publish && !effects.persist && effects.enqueue.isEmpty)
    }

    @Test func aReadyAttemptCarriesTheRequestToSend() throws {
        var record = R.planned()
        guard case .send(let plan) = record.prepareAttempt(R.context()) else {
            Issue.record("expected a request")
            return
        }
        #expect(plan.refreshToken == "rt-9c41d07be2")
        #expect(plan.request.tokenEndpoint.absoluteString == "https://auth.example.com/token")
        #expect(plan.request.clientID == "client-7f3a")
        #expect(plan.request.resource == "https://jira.example.com/mcp")
        #expect(plan.request.authMethod == .none)
    }

    struct StopCase: CustomTestStringConvertible, Sendable {
        var label: String
        var session: StoredSession
        var outcome: RefreshOutcome
        var state: RefreshState
        var testDescription: String { label }
    }

    static let stopCases: [StopCase] = [
        StopCase(
            label: "no refresh token", session: R.session(refreshToken: nil),
            outcome: .failed(error: "server 'jira' has no refresh token; sign in again with: oauthtop login jira"),
            state: .idle),
        StopCase(
            label: "refresh token past its expiry", session: R.session(refreshTokenExpiresAt: R.at(-60)),
            outcome: .failed(error: "Refresh token expired at 2027-01-15T07:59:00Z"), state: .failed),
        StopCase(
            label: "no token endpoint", session: R.session(client: nil),
            outcome: .failed(
                error: "No token endpoint is known for this server; sign in again, or set oauth.token_endpoint and "
                    + "oauth.client_id in the config"),
            state: .failed),
    ]

    @Test(arguments: stopCases)
    func anAttemptThatCannotSendSaysWhyAndMovesOn(_ example: StopCase) {
        var record = ServerRecord(definition: R.jira)
        record.session = example.session
        record.state = .refreshing
        guard case .stop(let effects, let outcome) = record.prepareAttempt(R.context()) else {
            Issue.record("expected the attempt to stop")
            return
        }
        #expect(outcome == example.outcome)
        #expect(record.state == example.state)
        #expect(effects.publish)
        if case .failed(let message) = example.outcome, example.state == .failed {
            #expect(record.lastError == message)
        }
    }

    @Test func retriesBackOffToTheCapAndNeverStopOnACount() {
        var record = R.planned()
        var delays: [TimeInterval] = []
        for _ in 1...8 {
            let effects = record.scheduleRetry(
                "network error: connection refused", .init(retryable: true, result: .failedNetwork), R.context())
            delays.append(record.deadline!.timeIntervalSince(R.now))
            #expect(R.messages(effects) == ["OAuth token refresh failed", "OAuth token refresh retry scheduled"])
            #expect(effects.persist && effects.publish)
        }
        #expect(delays == [10, 20, 40, 80, 160, 300, 300, 300])
        #expect(record.state == .retrying)
        #expect(record.retryCount == 8)
        #expect(record.lastResult == .failedNetwork)
        #expect(record.trigger == .retry)
        #expect(record.nextAttempt == R.at(300))
    }

    @Test func aLaterRetryAfterWinsOverTheBackoff() {
        var record = R.planned()
        _ = record.scheduleRetry("HTTP 429", .init(retryable: true, result: .failedOther, retryAfter: 120), R.context())
        #expect(record.deadline == R.at(120))
    }

    @Test func theRetryCountSaturates() {
        var record = R.planned()
        record.retryCount = Int.max
        _ = record.scheduleRetry("HTTP 503", .init(retryable: true, result: .failedOther), R.context())
        #expect(record.retryCount == Int.max)
        #expect(record.deadline == R.at(300))
    }

    @Test func successEndsTheFailureStreakAndPlansTheNextRefresh() {
        var record = R.planned()
        for _ in 1...3 {
            _ = record.scheduleRetry("HTTP 503", .init(retryable: true, result: .failedOther), R.context())
        }
        record.rejectedByServer = "invalid_token"
        let renewed = R.session(accessToken: "at-new-41c2")
        let effects = record.refreshSucceeded(renewed, rotated: true, seconds: 0.0423, R.context())
        #expect(record.session == renewed)
        #expect(record.retryCount == 0)
        #expect(record.lastError == nil)
        #expect(record.lastResult == .success)
        #expect(record.rejectedByServer == nil)
        #expect(record.state == .scheduled)
        #expect(record.deadline == R.at(48 * 60))
        #expect(record.lastRefreshAt == R.now)
        #expect(record.lastRefreshDuration == 0.0423)
        #expect(R.messages(effects) == ["OAuth token refresh succeeded", "OAuth token refresh scheduled"])
        #expect(effects.log.first?.metadata["duration_ms"] == "42")
        #expect(effects.log.first?.metadata["refresh_token_rotated"] == "true")
        #expect(effects.persist && effects.publish)
        #expect(!effects.log.contains { $0.metadata.values.contains { $0.contains("at-new-41c2") } })
    }

    @Test func tokensTheStoreRefusedAreKeptInMemoryAndRetried() {
        var record = R.planned()
        let renewed = R.session(refreshToken: "rt-unsaved-88", accessToken: "at-unsaved-77")
        _ = record.newTokensNotSaved(renewed, error: "disk I/O error", R.context())
        #expect(record.session?.refreshToken == "rt-unsaved-88")
        #expect(record.sessionUnsaved)
        #expect(record.state == .retrying)
        #expect(record.lastError == "could not save the new tokens: disk I/O error")
        #expect(record.deadline == R.at(10))
    }

    @Test func aRefusalByTheTokenEndpointFailsForGoodWithItsResult() {
        var record = R.planned()
        let effects = record.refusedByTokenEndpoint(
            "HTTP 400 invalid_grant: refresh token revoked", result: .failedInvalidGrant, seconds: 0.2)
        #expect(record.state == .failed)
        #expect(record.deadline == nil)
        #expect(record.lastResult == .failedInvalidGrant)
        #expect(record.facts().failedWithInvalidGrant)
        #expect(R.messages(effects) == ["OAuth token refresh failed"])
        #expect(effects.log.first?.level == .error)
        #expect(effects.log.first?.metadata["result"] == "failed_invalid_grant")
        #expect(effects.persist && effects.publish)
    }

    @Test func aLeaseHeldElsewhereWaitsForIt() {
        var record = R.planned()
        _ = record.beginRefresh(R.refreshTask())
        let effects = record.leaseHeldElsewhere(by: "pid-42-ab", until: R.at(35), trigger: .timer)
        #expect(record.state == .scheduled)
        #expect(record.deadline == R.at(35))
        #expect(effects.log.first?.metadata["lease_owner"] == "pid-42-ab")
        record.retryCount = 2
        _ = record.leaseHeldElsewhere(by: "pid-42-ab", until: R.at(36), trigger: .retry)
        #expect(record.state == .retrying)
    }

    @Test func theEndOfASuccessfulAttemptPlansAProbeOfTheNewToken() {
        var record = R.planned()
        _ = record.beginRefresh(R.refreshTask())
        let effects = record.endAttempt(.refreshed(expiresAt: R.at(3600)), R.context(at: 1))
        #expect(record.inFlight == nil)
        #expect(effects.enqueue.map(\.kind) == [.probe])
        #expect(record.probeSchedule.due == R.at(1))
        var unprobed = R.planned()
        #expect(unprobed.endAttempt(.refreshed(expiresAt: nil), R.context(probes: false)) == .none)
        #expect(unprobed.endAttempt(.retrying(error: "HTTP 503", nextAttempt: R.at(10)), R.context()) == .none)
    }

    @Test func aRenewedSessionKeepsWhatTheAnswerLeftOut() {
        let old = R.session(age: 3000)
        let kept = old.renewed(by: TokenResponse(accessToken: "at-2", expiresIn: 600), sentAt: R.now)
        #expect(kept.refreshToken == "rt-9c41d07be2")
        #expect(kept.scope == "mcp read")
        #expect(kept.issuedAt == R.now)
        #expect(kept.expiresAt == R.at(600))
        let rotated = old.renewed(
            by: TokenResponse(
                accessToken: "at-3", refreshToken: "rt-3", expiresIn: 0, scope: "mcp", refreshTokenExpiresIn: 86400),
            sentAt: R.now)
        #expect(rotated.refreshToken == "rt-3")
        #expect(rotated.scope == "mcp")
        #expect(rotated.expiresAt == R.now, "expires_in 0: expired now (docs/refresh-policy.md)")
        #expect(rotated.refreshTokenExpiresAt == R.at(86400))
    }
}
