import Dashboard
import Foundation
import Health
import RefreshEngine
import Testing

/// `l` signs the selected server in; while the browser is awaited the detail pane shows the URL and Esc cancels.
@Suite struct SignInKeyTests {
    @Test func lStartsASignInAndOpensTheDetailPane() {
        var model = Fixtures.model([
            Fixtures.status("revoked", state: .failed, error: "invalid_grant", invalidGrant: true)
        ])
        #expect(model.handle(.char("l"), now: Fixtures.now) == .login("revoked"))
        #expect(model.pane == .detail)
    }

    @Test func whileWaitingTheURLIsShownAndEscCancels() {
        var waiting = Fixtures.status("revoked", state: .signingIn)
        waiting.signInURL = "http://127.0.0.1:8123/authorize?response_type=code&client_id=demo"
        var model = Fixtures.model([waiting])
        _ = model.handle(.enter, now: Fixtures.now)
        let text = model.render(width: 120, height: 24, now: Fixtures.now).text.joined(separator: "\n")
        #expect(text.contains("Sign in at      http://127.0.0.1:8123/authorize?response_type=code&client_id=demo"))
        #expect(text.contains("Esc cancels the sign-in"))
        #expect(text.contains("Waiting for browser sign-in"))
        #expect(model.handle(.char("l"), now: Fixtures.now) == .none)
        #expect(model.handle(.escape, now: Fixtures.now) == .cancelLogin("revoked"))
    }

    @Test func aDeviceSignInShowsWhereToGoTheCodeAndItsCountdown() {
        var waiting = Fixtures.status("jira", state: .signingIn)
        waiting.signInURL = "https://auth.example.com/device?user_code=BCDF-GHJK"
        waiting.deviceCode = DeviceCodePrompt(
            userCode: "BCDF-GHJK", verificationURI: "https://auth.example.com/device",
            verificationURIComplete: "https://auth.example.com/device?user_code=BCDF-GHJK",
            expiresAt: Fixtures.now.addingTimeInterval(252))
        var model = Fixtures.model([waiting])
        _ = model.handle(.enter, now: Fixtures.now)
        let text = model.render(width: 120, height: 24, now: Fixtures.now).text.joined(separator: "\n")
        #expect(text.contains("Sign in at      https://auth.example.com/device\n"))
        #expect(text.contains("Enter code      BCDF-GHJK"))
        #expect(text.contains("the code expires in 4m12s; Esc cancels the sign-in"))
        let later = model.render(width: 120, height: 24, now: Fixtures.now.addingTimeInterval(60)).text
            .joined(separator: "\n")
        #expect(later.contains("the code expires in 3m12s"))
        #expect(model.handle(.escape, now: Fixtures.now) == .cancelLogin("jira"))
    }

    @Test func capitalASignsInToEveryServerThatNeedsItAndFollowsEach() {
        var model = Fixtures.model([
            Fixtures.status("jira"), Fixtures.status("wiki", session: false),
            Fixtures.status("revoked", state: .failed, error: "invalid_grant", invalidGrant: true),
        ])
        #expect(model.handle(.char("A"), now: Fixtures.now) == .loginAll(["revoked", "wiki"]))
        #expect(model.pane == .detail)
        // The second sign-in starts: the pane follows it.
        model.apply(Fixtures.status("wiki", state: .signingIn, session: false))
        #expect(model.selectedName == "wiki")
        let help = Keymap.standard.binding(for: .loginAll)
        #expect(help?.keys == [.char("A")])
        #expect(help?.description.contains("every server that needs it") == true)

        var healthy = Fixtures.model([Fixtures.status("jira")])
        #expect(healthy.handle(.char("A"), now: Fixtures.now) == .redraw)
        #expect(
            healthy.render(width: 120, height: 24, now: Fixtures.now).text.joined().contains(
                "No server needs a sign-in"))
    }

    @Test func escapeBacksOutAsUsualWhenNothingWaits() {
        var model = Fixtures.model([Fixtures.status("jira")])
        _ = model.handle(.enter, now: Fixtures.now)
        #expect(model.handle(.escape, now: Fixtures.now) == .redraw)
        #expect(model.pane == .none)
    }
}
