import Foundation
import Health
import Testing
import TokenStore

@testable import RefreshEngine

/// The sign-in's transitions as pure functions.
@Suite struct ServerRecordSignInTests {
    typealias R = Records

    @Test func aFailedSignInGoesBackToWhereTheServerWas() {
        var record = R.planned()
        _ = record.deferForcedRefresh(until: R.at(8), R.context())
        let (point, started) = record.beginSignIn(R.signInTask())
        #expect(record.state == .signingIn)
        #expect(record.deadline == nil && !record.forcePending)
        #expect(R.messages(started) == ["OAuth sign-in started"])
        #expect(point.state == .scheduled && point.deadline == R.at(8) && point.forcePending)

        _ = record.signInURLKnown(URL(string: "https://auth.example.com/authorize?state=st-81ab77c0")!)
        #expect(record.signInHost == "auth.example.com")
        #expect(record.facts().signInHost == "auth.example.com")

        let ended = record.signInFailed(restoring: point)
        #expect(record.state == .scheduled)
        #expect(record.deadline == R.at(8))
        #expect(record.trigger == .forced)
        #expect(record.forcePending)
        #expect(record.signInURL == nil && record.signInHost == nil && record.signInTask == nil)
        #expect(ended.enqueue.map(\.date) == [R.at(8)])
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
        let (_, _) = record.beginSignIn(R.signInTask())
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
