import Foundation
import Health
import OAuth
import Testing
import TokenStore

@testable import RefreshEngine

/// The connection probe's transitions as pure functions (DESIGN.md section 3, rules 12 to 14).
@Suite struct ServerRecordProbeTests {
    typealias R = Records

    @Test func aDueProbeIsSentLaterOrNotAtAll() {
        var ready = R.planned()
        let (target, _) = ready.probeDue(R.context(), probesRunning: 0)
        #expect(target?.url.absoluteString == "https://jira.example.com/mcp")
        #expect(target?.session.accessToken == "at-5be1f0a7c3")
        #expect(ready.probing)

        var busy = R.planned()
        let (none, later) = busy.probeDue(R.context(), probesRunning: 8)
        #expect(none == nil)
        #expect(later.enqueue.map(\.date) == [R.at(1)])

        var behindRefreshes = R.planned()
        let (yielded, inASecond) = behindRefreshes.probeDue(R.context(), probesRunning: 0, refreshesWaiting: true)
        #expect(yielded == nil && !behindRefreshes.probing, "refreshes waiting for a slot come first")
        #expect(inASecond.enqueue.map(\.date) == [R.at(1)])

        var expired = R.planned(R.session(age: 7200))
        let (skipped, afterInterval) = expired.probeDue(R.context(), probesRunning: 0)
        #expect(skipped == nil)
        #expect(afterInterval.enqueue.map(\.date) == [R.at(300)])

        var refreshing = R.planned()
        _ = refreshing.beginRefresh(R.refreshTask())
        let (whileRefreshing, nothing) = refreshing.probeDue(R.context(), probesRunning: 0)
        #expect(whileRefreshing == nil && nothing.enqueue.isEmpty)
    }

    struct AnswerCase: CustomTestStringConvertible, Sendable {
        var label: String
        var tokenAge: TimeInterval
        var result: ProbeResult
        var probe: ProbeOutcome?
        var rejected: String?
        var reactiveRefresh = false
        var health: String
        var log: String
        var testDescription: String { label }
    }

    static let answerCases: [AnswerCase] = [
        AnswerCase(
            label: "2xx", tokenAge: 600, result: .connected, probe: .connected, health: "Connected",
            log: "OAuth client connection successful"),
        AnswerCase(
            label: "unreachable", tokenAge: 600,
            result: .unreachable(summary: "Connection refused", detail: "ECONNREFUSED"),
            probe: .unreachable(summary: "Connection refused", detail: "ECONNREFUSED"), health: "Connection refused",
            log: "OAuth client connection failed"),
        AnswerCase(
            label: "401 on a fresh token", tokenAge: 30, result: .unauthorized(error: "invalid_token: audience"),
            rejected: "invalid_token: audience", health: "Token rejected by server",
            log: "OAuth token rejected by server"),
        AnswerCase(
            label: "401 on an older token", tokenAge: 600, result: .unauthorized(error: "invalid_token: expired"),
            reactiveRefresh: true, health: "Token valid for 50m", log: "OAuth token refused by server; refreshing"),
    ]

    @Test(arguments: answerCases)
    func aProbeAnswerDecidesHealthAndWhatComesNext(_ example: AnswerCase) {
        var record = R.planned(R.session(age: example.tokenAge))
        record.lastAttemptAt = R.at(-example.tokenAge)
        _ = record.probeDue(R.context(), probesRunning: 0)
        let effects = record.probeFinished(
            accessToken: "at-5be1f0a7c3", example.result, seconds: 0.012, R.context())
        #expect(!record.probing)
        #expect(record.probe == example.probe)
        #expect(record.rejectedByServer == example.rejected)
        #expect(record.probedAt == R.now)
        #expect(R.messages(effects) == [example.log])
        #expect(effects.log.first?.metadata["duration_ms"] == "12")
        #expect(effects.persist && effects.publish)
        let health = HealthCalculator().evaluate(record.facts(), now: R.now)
        #expect(health.summary == example.health)
        if example.reactiveRefresh {
            #expect(record.forcePending && record.state == .scheduled)
            #expect(record.deadline == R.now)
            #expect(record.trigger == .probe)
            #expect(effects.enqueue.map(\.kind) == [.refresh])
        } else {
            #expect(effects.enqueue.map(\.kind) == [.probe])
            #expect(record.probeSchedule.due == R.at(300))
        }
    }

    @Test func anAnswerForAnOldTokenIsDropped() {
        var record = R.planned()
        _ = record.probeDue(R.context(), probesRunning: 0)
        let effects = record.probeFinished(accessToken: "at-replaced", .connected, seconds: 0.01, R.context())
        #expect(effects == .none)
        #expect(!record.probing)
        #expect(record.probe == nil)
    }
}
