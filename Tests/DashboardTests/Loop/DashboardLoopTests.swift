import Foundation
import Glibc
import RefreshEngine
import Testing

@testable import Dashboard

/// The loop against a fake engine and a fake screen: what the user types reaches the engine, and what the engine
/// answers reaches the screen. No terminal, no sleeps: each step waits for the screen it expects.
@MainActor
@Suite struct DashboardLoopTests {
    let screen = FakeScreen()
    let engine: FakeEngine
    let loop: DashboardLoop
    let run: Task<Int32, Never>

    init() async {
        engine = FakeEngine([Fixtures.status("alpha"), Fixtures.status("beta")])
        var model = DashboardModel(title: "oauthtop test", expiryWarning: 60, timeZone: Fixtures.utc)
        model.apply(await engine.snapshot())
        loop = DashboardLoop(
            engine: engine, screen: screen, model: model, logLines: { name in ["line about \(name)"] },
            now: { Fixtures.now })
        let loop = self.loop
        run = Task { await loop.run() }
    }

    private func quit() async -> Int32 {
        screen.type(.char("q"))
        return await run.value
    }

    @Test func theFirstFrameShowsEveryServerAndQuitRestoresTheScreen() async {
        let first = await screen.text(containing: "beta")
        #expect(first?.contains("oauthtop test  2 servers  ● 2 healthy  ▲ 0 degraded  ✗ 0 unhealthy") == true)
        #expect(await quit() == 0)
        #expect(screen.ended)
    }

    @Test func statusBatchesFromTheEngineReachTheScreen() async {
        _ = await screen.text(containing: "beta")
        engine.publish([
            Fixtures.status("alpha", state: .retrying, retries: 3, nextIn: 40, error: "HTTP 503"),
            Fixtures.status("gamma", state: .failed, error: "invalid_grant", invalidGrant: true),
        ])
        let text = await screen.text(containing: "gamma")
        #expect(text?.contains("3 servers  ● 1 healthy  ▲ 1 degraded  ✗ 1 unhealthy") == true)
        let alpha = text?.split(separator: "\n").first { $0.contains("alpha") }.map(String.init) ?? ""
        #expect(alpha.contains("retrying"))
        #expect(alpha.contains("in 40s"))
        #expect(alpha.contains("v logs"))
        #expect(await quit() == 0)
    }

    @Test func rRefreshesTheSelectedServerAndFlashesTheAnswer() async {
        _ = await screen.text(containing: "beta")
        screen.type(.char("j"), .char("r"))
        let text = await screen.text(containing: "Refreshed beta")
        #expect(text?.contains("Refreshed beta: the new token expires in 1h") == true)
        #expect(await engine.calls == ["refresh beta"])
        #expect(await quit() == 0)
    }

    @Test func logoutAsksFirstAndRunsOnlyOnYes() async {
        _ = await screen.text(containing: "beta")
        screen.type(.char("L"))
        #expect(await screen.text(containing: "Log out of alpha? Its tokens are deleted from this machine. y/n") != nil)
        screen.type(.char("n"))
        #expect(await screen.text(containing: "Kept alpha signed in") != nil)
        #expect(await engine.calls == [])
        screen.type(.char("L"), .char("y"))
        #expect(await screen.text(containing: "Logged out of alpha; its tokens are deleted") != nil)
        #expect(await engine.calls == ["logout alpha"])
        #expect(await quit() == 0)
    }

    @Test func lSignsInAndEscCancelsAWaitingSignIn() async {
        _ = await screen.text(containing: "beta")
        screen.type(.char("l"))
        #expect(await screen.text(containing: "Signed in to alpha") != nil)
        var waiting = Fixtures.status("alpha", state: .signingIn)
        waiting.signInURL = "http://127.0.0.1:8123/authorize?client_id=x"
        engine.publish([waiting])
        #expect(await screen.text(containing: "Esc cancels the sign-in") != nil)
        screen.type(.escape)
        let calls = await engine.calls(atLeast: 2)
        #expect(calls == ["login alpha", "cancelLogin alpha"])
        #expect(await quit() == 0)
    }

    @Test func signalsAndHangUpEndTheLoopWithTheirExitCodes() async {
        _ = await screen.text(containing: "beta")
        screen.send(.signal(SIGTERM))
        #expect(await run.value == 143)
        #expect(screen.ended)
    }

    @Test func aHangUpEndsTheLoopWith129() async {
        _ = await screen.text(containing: "beta")
        screen.send(.input(hangup: true))
        #expect(await run.value == 129)
    }
}
