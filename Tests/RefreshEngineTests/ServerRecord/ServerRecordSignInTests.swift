import Foundation
import Health
import Testing
import TokenStore

@testable import RefreshEngine

/// The sign-in's transitions as pure functions.
@Suite struct ServerRecordSignInTests {
    typealias R = Records

    @Test func aSignInLeavesTheRefreshScheduleAloneAndAFailedOneChangesNothing() {
        var record = R.planned()
        _ = record.deferForcedRefresh(until: R.at(8), R.context())
        let started = record.beginSignIn(R.signInTask())
        // The old session keeps its refresh: state, deadline and the forced refresh stay as they were.
        #expect(record.state == .scheduled && record.isSigningIn)
        #expect(record.facts().refreshState == .signingIn)
        #expect(record.deadline == R.at(8) && record.forcePending)
        #expect(!record.isInactive && record.canRefresh)
        #expect(R.messages(started) == ["OAuth sign-in started"])

        _ = record.signInURLKnown(URL(string: "https://auth.example.com/authorize?state=st-81ab77c0")!)
        #expect(record.signInHost == "auth.example.com")
        #expect(record.facts().signInHost == "auth.example.com")

        let ended = record.signInFailed(R.context())
        #expect(record.state == .scheduled)
        #expect(record.deadline == R.at(8))
        #expect(record.trigger == .forced)
        #expect(record.forcePending)
        #expect(record.signInURL == nil && record.signInHost == nil && record.signInTask == nil)
        #expect(ended.enqueue.isEmpty, "nothing to plan again: the schedule never stopped")
    }

    @Test func whileTheNewSessionIsStoredNoRefreshOfTheOldOneStarts() {
        var record = R.planned()
        _ = record.beginSignIn(R.signInTask())
        record.holdForNewSession()
        #expect(record.isInactive && !record.canRefresh)
        guard case .stop(_, .deferred(_, let reason)) = record.prepareAttempt(R.context()) else {
            Issue.record("a held record must not send its refresh token")
            return
        }
        #expect(reason == "a sign-in is storing its new session")
        // The store refused the new session: refreshes resume from a fresh plan.
        let ended = record.signInFailed(R.context())
        #expect(!record.isInactive && !record.holdRefreshes)
        #expect(ended.enqueue.map(\.kind) == [.refresh])
    }

    @Test func theURLIsIgnoredOnceTheSignInIsOver() {
        var record = R.planned()
        #expect(record.signInURLKnown(URL(string: "https://auth.example.com/authorize")!) == .none)
        #expect(record.signInHost == nil)
    }

    @Test func aSuccessfulSignInAdoptsTheSessionWithoutTheOldProbe() {
        var record = R.planned()
        record.state = .loggedOut
        record.probe = .unreachable(summary: "Connection refused", detail: "connect ECONNREFUSED")
        _ = record.beginSignIn(R.signInTask())
        let session = R.session(accessToken: "at-signed-in-9")
        let effects = record.signInSucceeded(session, R.context())
        #expect(record.session == session)
        #expect(record.state == .scheduled)
        #expect(record.probe == nil)
        #expect(record.signInTask == nil)
        #expect(R.messages(effects).last == "OAuth sign-in succeeded")
        #expect(effects.persist && effects.publish)
        #expect(effects.enqueue.map(\.kind) == [.refresh, .probe])
    }
}
