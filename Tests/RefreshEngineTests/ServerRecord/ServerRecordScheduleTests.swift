import Foundation
import Health
import Testing
import TokenStore

@testable import RefreshEngine

/// The schedule's transitions as pure functions: planning from the session, a due deadline, the rate limit,
/// clock jumps and resuming after a restart.
@Suite struct ServerRecordScheduleTests {
    typealias R = Records

    struct PlanCase: CustomTestStringConvertible, Sendable {
        var label: String
        var session: StoredSession?
        var definition = Records.jira
        var state: RefreshState
        var deadline: Date?
        var lastError: String?
        var log: [String]
        var testDescription: String { label }
    }

    static let planCases: [PlanCase] = [
        PlanCase(label: "no session", session: nil, state: .idle, deadline: nil, log: []),
        PlanCase(
            label: "1 h token issued now: at 80 %", session: R.session(), state: .scheduled, deadline: R.at(48 * 60),
            log: ["OAuth token refresh scheduled"]),
        PlanCase(
            label: "2 h token: at 96 min", session: R.session(lifetime: 7200), state: .scheduled,
            deadline: R.at(96 * 60), log: ["OAuth token refresh scheduled"]),
        PlanCase(
            label: "overdue: due at its refresh time, in the past", session: R.session(age: 3000),
            state: .scheduled, deadline: R.at(48 * 60 - 3000), log: ["OAuth token refresh scheduled"]),
        PlanCase(
            label: "no expiry: nothing to schedule", session: R.session(lifetime: nil), state: .idle, deadline: nil,
            log: []),
        PlanCase(
            label: "no refresh token, valid: look again at expiry",
            session: R.session(lifetime: 600, refreshToken: nil),
            state: .idle, deadline: R.at(600), log: []),
        PlanCase(
            label: "no refresh token, expired", session: R.session(age: 7200, refreshToken: nil), state: .failed,
            deadline: nil, lastError: "Token expired and no refresh token available",
            log: ["OAuth token refresh impossible; sign-in required"]),
        PlanCase(
            label: "refresh token past its own expiry", session: R.session(refreshTokenExpiresAt: R.at(-1)),
            state: .failed, deadline: nil, lastError: "Refresh token expired at 2027-01-15T07:59:59Z",
            log: ["OAuth token refresh impossible; sign-in required"]),
        PlanCase(
            label: "expires before it was issued: at once, with a warning", session: R.session(lifetime: -60),
            state: .scheduled, deadline: R.at(0),
            log: ["OAuth token expires before it was issued; refreshing at once", "OAuth token refresh scheduled"]),
        PlanCase(
            label: "disabled server: left alone", session: R.session(),
            definition: ServerDefinition(name: "jira", enabled: false), state: .idle, deadline: nil, log: []),
    ]

    @Test(arguments: planCases)
    func planDecidesStateAndDeadlineFromTheSession(_ example: PlanCase) {
        var record = ServerRecord(definition: example.definition)
        record.session = example.session
        let effects = record.plan(R.context())
        #expect(record.state == example.state)
        #expect(record.deadline == example.deadline)
        #expect(record.lastError == example.lastError)
        #expect(R.messages(effects) == example.log)
        #expect(effects.enqueue.map(\.date) == (example.deadline.map { [$0] } ?? []))
        #expect(effects.startRefresh == nil)
        // Only a permanent failure is saved at once; a plan is saved by the path that asked for it.
        #expect(effects.persist == (example.state == .failed))
    }

    @Test func everyNewDeadlineMakesEarlierQueueEntriesStale() {
        var record = R.planned()
        let first = record.refreshSchedule.generation
        let replanned = record.plan(R.context(at: 60))
        let entry = try! #require(replanned.enqueue.first)
        #expect(entry.generation == first + 1)
        #expect(!record.refreshSchedule.isCurrent(first))
        #expect(record.refreshSchedule.isCurrent(entry.generation))
        _ = record.failPermanently("gone")
        #expect(!record.refreshSchedule.isCurrent(entry.generation))
        #expect(record.deadline == nil)
    }

    struct DueCase: CustomTestStringConvertible, Sendable {
        var label: String
        var state: RefreshState
        var lastAttemptAgo: TimeInterval?
        var forcePending = false
        var refreshing = false
        var start: Trigger?
        var deadline: Date?
        var log: [String] = []
        var testDescription: String { label }
    }

    static let dueCases: [DueCase] = [
        DueCase(label: "scheduled, no attempt yet: start", state: .scheduled, lastAttemptAgo: nil, start: .timer),
        DueCase(label: "last attempt 11 s ago: start", state: .scheduled, lastAttemptAgo: 11, start: .timer),
        DueCase(
            label: "last attempt 3 s ago: wait for the 10 s window", state: .scheduled, lastAttemptAgo: 3,
            deadline: R.at(7), log: ["OAuth token refresh rate limited"]),
        DueCase(label: "failed: nothing", state: .failed, lastAttemptAgo: nil),
        DueCase(
            label: "failed but forced: start", state: .failed, lastAttemptAgo: nil, forcePending: true, start: .timer),
        DueCase(label: "already refreshing: nothing", state: .refreshing, lastAttemptAgo: nil, refreshing: true),
    ]

    @Test(arguments: dueCases)
    func aDueDeadlineStartsWaitsOrDoesNothing(_ example: DueCase) {
        var record = R.planned(R.session(age: 3000))
        record.state = example.state
        record.lastAttemptAt = example.lastAttemptAgo.map { R.at(-$0) }
        record.forcePending = example.forcePending
        if example.refreshing { record.inFlight = R.refreshTask() }
        let before = record.deadline
        let effects = record.deadlineReached(R.context())
        #expect(effects.startRefresh == example.start)
        #expect(R.messages(effects) == example.log)
        #expect(record.deadline == (example.deadline ?? before))
    }

    @Test func aDueServerWithoutRefreshTokenIsPlannedAgain() {
        var record = R.planned(R.session(lifetime: 600, refreshToken: nil))
        let effects = record.deadlineReached(R.context(at: 600))
        #expect(effects.startRefresh == nil)
        #expect(record.state == .failed)
        #expect(record.lastError == "Token expired and no refresh token available")
        #expect(effects.publish && effects.persist)
    }

    @Test func aForcedRefreshInTheWindowRunsAtItsEndEvenWhenFailed() {
        var record = R.planned()
        _ = record.failPermanently("HTTP 400")
        let effects = record.deferForcedRefresh(until: R.at(8), R.context())
        #expect(record.state == .scheduled)
        #expect(record.forcePending)
        #expect(record.deadline == R.at(8))
        #expect(record.trigger == .forced)
        #expect(R.messages(effects) == ["OAuth token refresh rate limited"])
        #expect(effects.log.first?.metadata["next_attempt"] == "2027-01-15T08:00:08Z")
        // An earlier deadline already pending is kept.
        _ = record.deferForcedRefresh(until: R.at(9), R.context())
        #expect(record.deadline == R.at(8))
    }

    @Test func aClockJumpReplansScheduledServersAndShortensLongRetries() {
        let jump = R.context(at: 8 * 3600)
        var scheduled = R.planned()
        _ = scheduled.clockJumped(jump)
        #expect(scheduled.deadline == R.at(48 * 60))
        #expect(scheduled.trigger == .wake)

        var retrying = R.planned()
        for _ in 1...6 {
            _ = retrying.scheduleRetry("HTTP 503", .init(retryable: true, result: .failedOther), R.context())
        }
        #expect(retrying.deadline == R.at(300))
        let early = R.context(at: 100)
        _ = retrying.clockJumped(early)
        // 200 s left, but the 6th backoff is 300 s: unchanged.
        #expect(retrying.deadline == R.at(300))
        var longRetry = R.planned()
        _ = longRetry.scheduleRetry(
            "HTTP 429", .init(retryable: true, result: .failedOther, retryAfter: 3000), R.context())
        #expect(longRetry.deadline == R.at(3000))
        _ = longRetry.clockJumped(early)
        #expect(longRetry.deadline == R.at(110))
        #expect(longRetry.trigger == .retry)
    }

    @Test func aClockJumpBackwardsForgetsAnAttemptInTheFuture() {
        var record = R.planned()
        record.lastAttemptAt = R.at(3600)
        _ = record.clockJumped(R.context())
        #expect(record.lastAttemptAt == nil)
    }

    @Test func aForcedRefreshPendingAtAJumpIsDueAtOnce() {
        var record = R.planned()
        _ = record.deferForcedRefresh(until: R.at(8), R.context())
        _ = record.clockJumped(R.context(at: 5))
        #expect(record.deadline == R.at(5))
        #expect(record.trigger == .forced)
    }

    struct ResumeCase: CustomTestStringConvertible, Sendable {
        var label: String
        var session: StoredSession?
        var saved: StoredRefreshState
        var state: RefreshState
        var deadline: Date?
        var retryCount = 0
        var testDescription: String { label }
    }

    static let resumeCases: [ResumeCase] = [
        ResumeCase(
            label: "retrying, token valid: resumes at the saved time", session: R.session(),
            saved: StoredRefreshState(state: "retrying", retryCount: 3, nextAttempt: R.at(40), lastError: "HTTP 503"),
            state: .retrying, deadline: R.at(40), retryCount: 3),
        ResumeCase(
            label: "retrying, token expired meanwhile: at once", session: R.session(age: 7200),
            saved: StoredRefreshState(state: "retrying", retryCount: 3, nextAttempt: R.at(40), lastError: "HTTP 503"),
            state: .retrying, deadline: R.at(0), retryCount: 3),
        ResumeCase(
            label: "failed stays failed", session: R.session(),
            saved: StoredRefreshState(state: "failed", retryCount: 1, lastError: "invalid_grant"), state: .failed,
            deadline: nil, retryCount: 1),
        ResumeCase(
            label: "logged out without a session stays logged out", session: nil,
            saved: StoredRefreshState(state: "logged_out"), state: .loggedOut, deadline: nil),
        ResumeCase(
            label: "scheduled is planned afresh", session: R.session(),
            saved: StoredRefreshState(state: "scheduled", nextAttempt: R.at(5)), state: .scheduled,
            deadline: R.at(48 * 60)),
    ]

    @Test(arguments: resumeCases)
    func resumeKeepsWhatMustSurviveARestart(_ example: ResumeCase) {
        var record = ServerRecord(definition: R.jira)
        let effects = record.resume(example.session, saved: example.saved, R.context())
        #expect(record.state == example.state)
        #expect(record.deadline == example.deadline)
        #expect(record.retryCount == example.retryCount)
        #expect(effects.persist && effects.publish)
        let probes = effects.enqueue.filter { $0.kind == .probe }.map(\.date)
        #expect(probes == (example.session != nil && example.state != .failed ? [R.at(0)] : []))
    }
}
