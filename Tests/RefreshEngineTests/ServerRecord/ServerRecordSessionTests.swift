import Foundation
import Health
import Testing
import TokenStore

@testable import RefreshEngine

/// The session's transitions as pure functions: adopting tokens from elsewhere, logging out, following the store.
@Suite struct ServerRecordSessionTests {
    typealias R = Records

    @Test func adoptedTokensStartTheBookkeepingAfresh() {
        var record = R.planned()
        _ = record.refusedByTokenEndpoint("HTTP 400 invalid_grant", result: .failedInvalidGrant, seconds: 0.1)
        let theirs = R.session(refreshToken: "rt-sibling-1", accessToken: "at-sibling-1")
        let effects = record.adopt(theirs, from: .anotherProcess, R.context())
        #expect(record.session == theirs)
        #expect(record.state == .scheduled)
        #expect(record.retryCount == 0)
        #expect(record.lastError == nil)
        #expect(record.lastResult == nil)
        #expect(!record.facts().failedWithInvalidGrant)
        #expect(record.deadline == R.at(48 * 60))
        #expect(effects.enqueue.map(\.kind) == [.refresh, .probe])
        #expect(R.messages(effects) == ["OAuth token refresh scheduled", "OAuth tokens adopted from another process"])
        #expect(effects.persist && effects.publish)
    }

    /// Tokens this process got are probed at once; tokens another process refreshed were probed by it, so the
    /// next probe stays where it was (or comes one probe interval later when none was planned).
    @Test(arguments: [
        (ServerRecord.TokenSource.caller, 0.0), (.signIn, 0), (.store, 300), (.anotherProcess, 300),
        (.rotatedElsewhere, 300),
    ])
    func adoptedTokensAreProbedAtOnceOnlyWhenThisProcessGotThem(_ source: ServerRecord.TokenSource, probeIn: Double) {
        var record = ServerRecord(definition: ServerDefinition(name: "jira", url: "https://jira.example.com/mcp"))
        let effects = record.adopt(R.session(accessToken: "at-x-5555"), from: source, R.context())
        #expect(effects.enqueue.filter { $0.kind == .probe }.map(\.date) == [R.at(probeIn)])
    }

    @Test(arguments: [
        (ServerRecord.TokenSource.caller, false, "OAuth tokens adopted"),
        (.store, false, "OAuth tokens adopted from the store"),
        (.rotatedElsewhere, true, "OAuth refresh token was rotated by another process; adopted its tokens"),
    ])
    func whereTokensCameFromNamesTheLogLineAndWhetherToSave(
        _ source: ServerRecord.TokenSource, saved: Bool, message: String
    ) {
        var record = R.planned()
        let effects = record.adopt(R.session(accessToken: "at-x-5555"), from: source, R.context())
        #expect(effects.persist == saved)
        #expect(R.messages(effects).last == message)
    }

    @Test func aLogoutForgetsTheSessionButNotTheRateLimitOrTheGenerations() {
        var record = R.planned()
        record.lastAttemptAt = R.at(-3)
        _ = record.scheduleRetry("HTTP 503", .init(retryable: true, result: .failedOther), R.context())
        _ = record.planProbe(at: R.at(300), R.context())
        let refreshGeneration = record.refreshSchedule.generation
        let probeGeneration = record.probeSchedule.generation

        let stopping = record.beginLogout()
        #expect(record.state == .loggedOut)
        #expect(record.deadline == nil && record.probeSchedule.due == nil)
        #expect(stopping == .none)

        let effects = record.forgetSession(.user)
        #expect(record.session == nil)
        #expect(record.state == .loggedOut)
        #expect(record.retryCount == 0 && record.lastError == nil && record.lastResult == nil)
        #expect(record.probe == nil && record.rejectedByServer == nil && !record.forcePending)
        #expect(record.lastAttemptAt == R.at(-3))
        #expect(record.refreshSchedule.generation > refreshGeneration)
        #expect(record.probeSchedule.generation > probeGeneration)
        #expect(R.messages(effects) == ["OAuth session logged out"])
        #expect(effects.persist && effects.publish)
        #expect(record.facts().refreshState == .loggedOut)
    }

    struct StoreCase: CustomTestStringConvertible, Sendable {
        var label: String
        var stored: StoredSession?
        var busy = false
        var state: RefreshState
        var accessToken: String?
        var log: [String]
        var testDescription: String { label }
    }

    static let storeCases: [StoreCase] = [
        StoreCase(
            label: "same tokens: nothing", stored: R.session(), state: .scheduled, accessToken: "at-5be1f0a7c3", log: []
        ),
        StoreCase(
            label: "new tokens: adopted", stored: R.session(accessToken: "at-theirs-2"), state: .scheduled,
            accessToken: "at-theirs-2", log: ["OAuth token refresh scheduled", "OAuth tokens adopted from the store"]),
        StoreCase(
            label: "gone: logged out", stored: nil, state: .loggedOut, accessToken: nil,
            log: ["OAuth session was removed by another process"]),
        StoreCase(
            label: "busy refreshing: left alone", stored: nil, busy: true, state: .scheduled,
            accessToken: "at-5be1f0a7c3", log: []),
    ]

    @Test(arguments: storeCases)
    func theStoreSyncFollowsOtherProcesses(_ example: StoreCase) {
        var record = R.planned()
        if example.busy { _ = record.waitForSlot() }
        let effects = record.readFromStore(example.stored, R.context())
        #expect(record.state == example.state)
        #expect(record.session?.accessToken == example.accessToken)
        #expect(R.messages(effects) == example.log)
    }

    @Test func unsavedTokensAreNeverReplacedByTheStore() {
        var record = R.planned()
        _ = record.newTokensNotSaved(R.session(accessToken: "at-only-copy"), error: "disk full", R.context())
        #expect(record.readFromStore(R.session(), R.context()) == .none)
        #expect(record.session?.accessToken == "at-only-copy")
    }
}
