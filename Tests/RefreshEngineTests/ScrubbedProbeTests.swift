import Foundation
import Health
import OAuth
import OAuthTopTesting
import Testing
import TokenStore

@testable import RefreshEngine

/// A server's answer to the probe echoing the session's own secrets reaches no status, no stored column and no log
/// line: the engine scrubs what any prober returns with every secret it holds for that server.
@Suite struct ScrubbedProbeTests {
    typealias H = EngineHarness
    static let refreshToken = "rt_real_9f8e7d6c5b4a39281716"
    static let accessToken = "at_real_Zb1Mk9Wj4Hg7Tf2Rd5Sa0Ye"

    @Test func aRejectionEchoingTheTokensIsScrubbedEverywhere() async throws {
        let clock = ManualClock()
        let prober = ScriptedProber()
        prober.answerAlways(
            .unauthorized(error: "invalid_token: \(Self.accessToken) (grant \(Self.refreshToken)) was revoked"))
        let session = H.session("jira", clock: clock, refreshToken: Self.refreshToken, accessToken: Self.accessToken)
        let h = H(sessions: [session], clock: clock, prober: prober)
        try await h.engine.start()
        await h.tick()
        #expect(await h.eventually { prober.probeCount >= 1 })
        await h.engine.waitForIdle()
        let status = try await h.status("jira")
        let stored = await h.store.refreshStates()["jira"]
        let everything =
            "\(status) \(status.health) \(String(describing: stored)) "
            + h.logs.entries.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(everything.contains("invalid_token"))
        for secret in [Self.refreshToken, Self.accessToken] {
            #expect(!everything.contains(secret), "\(everything)")
        }
    }
}
