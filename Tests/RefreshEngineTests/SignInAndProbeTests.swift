import Foundation
import Health
import OAuth
import OAuthTopTesting
import Synchronization
import Testing
import TokenStore

@testable import RefreshEngine

/// `login(name)` through a scripted sign-in service, `logout(name)` with revocation, and the connection probe
/// rules (DESIGN.md section 3, rules 3, 12, 13, 14), all on the hand-moved clock.
@Suite struct SignInAndProbeTests {
    typealias H = EngineHarness

    static func signIn(clock: ManualClock, lifetime: Double = 3600) -> ScriptedSignIn {
        ScriptedSignIn { server in
            .success(
                H.session(
                    server.name, clock: clock, lifetime: lifetime, refreshToken: "rt-signed", accessToken: "at-signed"))
        }
    }

    // MARK: login

    @Test func loginShowsWaitingThenStoresAdoptsSchedulesAndProbes() async throws {
        let clock = ManualClock()
        let signIn = Self.signIn(clock: clock)
        let prober = ScriptedProber()
        let h = H(servers: ["jira"], clock: clock, signIn: signIn, prober: prober)
        try await h.engine.start()
        #expect(try await h.status("jira").health.summary == "Sign-in required")

        signIn.hold()
        let urls = Locked<[URL]>([])
        let login = Task { try await h.engine.login("jira") { url in urls.mutate { $0.append(url) } } }
        #expect(await h.eventually { signIn.isWaiting })
        #expect(await h.eventually { (try? await h.status("jira").health.detail) == "auth.example.com" })
        let waiting = try await h.status("jira")
        #expect(waiting.refreshState == .signingIn)
        #expect(
            waiting.health
                == HealthStatus(level: .degraded, summary: "Waiting for browser sign-in", detail: "auth.example.com"))
        #expect(waiting.signInURL == ScriptedSignIn.authorizationURL.absoluteString)
        #expect(urls.value == [ScriptedSignIn.authorizationURL])
        await #expect(throws: EngineError.signInRunning("jira")) { try await h.engine.login("jira") }

        signIn.release()
        #expect(try await login.value == .signedIn(expiresAt: clock.now.addingTimeInterval(3600)))
        #expect(await h.store.session(for: "jira")?.accessToken == "at-signed")
        let signedIn = try await h.status("jira")
        #expect(signedIn.refreshState == .scheduled)
        #expect(signedIn.nextAttempt == clock.now.addingTimeInterval(48 * 60))
        #expect(signedIn.signInURL == nil && signedIn.facts.signInHost == nil)
        #expect(await h.store.refreshStates()["jira"]?.state == "scheduled")

        await h.tick()
        #expect(await h.eventually { (try? await h.status("jira").health.summary) == "Connected" })
        #expect(prober.tokensProbed == ["at-signed"])
        #expect(h.messages.contains("OAuth sign-in succeeded"))
        #expect(h.messages.contains("OAuth client connection successful"))
        #expect(!h.messages.joined().contains("not-logged"))
    }

    @Test func insufficientScopeAsksForMoreAccessAndTheNextSignInAsksForTheUnion() async throws {
        let clock = ManualClock()
        let signIn = Self.signIn(clock: clock)
        let prober = ScriptedProber()
        prober.enqueue(.insufficientScope(scope: "files:write mcp", error: "insufficient_scope: needs files"))
        let h = H(sessions: [H.session("jira", clock: clock)], clock: clock, signIn: signIn, prober: prober)
        try await h.engine.start()
        await h.tick()
        #expect(await h.eventually { (try? await h.status("jira").health.summary) == "More access needed" })
        let status = try await h.status("jira")
        #expect(
            status.health
                == HealthStatus(
                    level: .degraded, summary: "More access needed",
                    detail: "The server asks for scope files:write mcp; sign in again to grant it", action: .login))
        #expect(h.messages.contains("OAuth server needs more access"))
        // Kept for `list` and for a restart.
        #expect(await h.store.refreshStates()["jira"]?.probe == "insufficient_scope")
        #expect(await h.store.refreshStates()["jira"]?.probeSummary == "files:write mcp")
        // A refresh cannot add scope: nothing was sent to the token endpoint.
        #expect(h.refresher.requestCount == 0)

        // The session has "mcp"; the server asked for "files:write mcp": the sign-in asks for both, each once.
        #expect(try await h.engine.login("jira") == .signedIn(expiresAt: clock.now.addingTimeInterval(3600)))
        #expect(signIn.scopesAsked == [["mcp", "files:write"]])
        await h.tick()
        #expect(await h.eventually { (try? await h.status("jira").health.summary) == "Connected" })
    }

    @Test func aSessionIssuedForAnotherURLIsNeitherRefreshedNorProbedAndNeedsASignIn() async throws {
        let clock = ManualClock()
        var session = H.session("jira", clock: clock, age: 3500)
        session.serverURL = "https://old.example.com/mcp"
        let prober = ScriptedProber()
        let h = H(sessions: [session], clock: clock, prober: prober)
        try await h.engine.start()
        await h.tick()
        let status = try await h.status("jira")
        #expect(
            status.health
                == HealthStatus(
                    level: .degraded, summary: "Sign-in required",
                    detail: "The stored session was issued for https://old.example.com/mcp; the config names another "
                        + "URL, so its token is not sent there", action: .login))
        #expect(h.refresher.requestCount == 0)
        #expect(prober.probeCount == 0)
        // The session stays in the store: pointing the config back at the old URL brings it back.
        #expect(await h.store.session(for: "jira")?.accessToken == "at-0")
    }

    @Test func aDeviceSignInShowsItsCodeUntilItEnds() async throws {
        let clock = ManualClock()
        let signIn = Self.signIn(clock: clock)
        let prompt = DeviceCodePrompt(
            userCode: "BCDF-GHJK", verificationURI: "https://auth.example.com/device",
            expiresAt: clock.now.addingTimeInterval(600))
        signIn.showDeviceCode(prompt)
        signIn.hold()
        let h = H(servers: ["jira"], clock: clock, signIn: signIn)
        try await h.engine.start()
        let login = Task { try await h.engine.login("jira") }
        #expect(await h.eventually { (try? await h.status("jira").deviceCode) == prompt })
        #expect(try await h.status("jira").health.detail == "auth.example.com")
        #expect(!h.messages.joined().contains("BCDF-GHJK"))
        signIn.release()
        #expect(try await login.value == .signedIn(expiresAt: clock.now.addingTimeInterval(3600)))
        #expect(try await h.status("jira").deviceCode == nil)
    }

    @Test func theOldSessionIsRefreshedWhileASignInWaitsAndTheNewOneWinsAtTheEnd() async throws {
        let clock = ManualClock()
        let signIn = Self.signIn(clock: clock)
        signIn.hold()
        let h = H(sessions: [H.session("jira", clock: clock, age: 2900)], clock: clock, signIn: signIn)
        h.refresher.enqueue(.tokens(TokenResponse(accessToken: "at-1", refreshToken: "rt-1", expiresIn: 3600)))
        try await h.engine.start()
        let login = Task { try await h.engine.login("jira") }
        #expect(await h.eventually { signIn.isWaiting })
        await h.tick()
        // The old session's refresh was due (0.8 of its hour): it ran while the browser was awaited.
        #expect(await h.eventually { await h.store.session(for: "jira")?.accessToken == "at-1" })
        #expect(h.refresher.requestCount == 1)
        #expect(try await h.status("jira").health.summary == "Waiting for browser sign-in")
        signIn.release()
        #expect(try await login.value == .signedIn(expiresAt: clock.now.addingTimeInterval(3600)))
        #expect(await h.store.session(for: "jira")?.accessToken == "at-signed")
        #expect(try await h.status("jira").refreshState == .scheduled)
    }

    @Test func aFailedSignInLeavesTheServerAsItWas() async throws {
        let clock = ManualClock()
        let signIn = ScriptedSignIn { _ in .failure(SignInError(.denied, "the sign-in was denied at the provider")) }
        let h = H(sessions: [H.session("jira", clock: clock)], clock: clock, signIn: signIn)
        try await h.engine.start()
        let before = try await h.status("jira")
        let outcome = try await h.engine.login("jira")
        #expect(outcome == .failed(SignInError(.denied, "the sign-in was denied at the provider")))
        let after = try await h.status("jira")
        #expect(after.refreshState == .scheduled && after.nextAttempt == before.nextAttempt)
        #expect(after.health == before.health)
        #expect(await h.store.session(for: "jira")?.accessToken == "at-0")
        // The restored schedule still fires.
        await h.tick(at: try #require(before.nextAttempt))
        #expect(h.refresher.requestCount == 1)
    }

    @Test func cancelLoginEndsTheSignIn() async throws {
        let clock = ManualClock()
        let signIn = Self.signIn(clock: clock)
        let h = H(servers: ["jira"], clock: clock, signIn: signIn)
        try await h.engine.start()
        signIn.hold()
        let login = Task { try await h.engine.login("jira") }
        #expect(await h.eventually { signIn.isWaiting })
        #expect(await h.engine.cancelLogin("jira"))
        let outcome = try await login.value
        guard case .failed(let error) = outcome else { Issue.record("\(outcome)"); return }
        #expect(error.kind == .cancelled)
        #expect(try await h.status("jira").health.summary == "Sign-in required")
        #expect(await h.store.session(for: "jira") == nil)
        #expect(await !h.engine.cancelLogin("jira"))
    }

    @Test func loginRefusesUnknownDisabledAndUnservedServers() async throws {
        let clock = ManualClock()
        let h = H(servers: ["jira"], clock: clock)
        try await h.engine.start()
        await #expect(throws: EngineError.unknownServer("nope")) { try await h.engine.login("nope") }
        let outcome = try await h.engine.login("jira")
        guard case .failed(let error) = outcome else { Issue.record("\(outcome)"); return }
        #expect(error.kind == .configuration)
    }

    // MARK: logout

    @Test func logoutRevokesThenForgets() async throws {
        let clock = ManualClock()
        let signIn = Self.signIn(clock: clock)
        let session = H.session("jira", clock: clock)
        let h = H(sessions: [session], clock: clock, signIn: signIn)
        try await h.engine.start()
        let outcome = try await h.engine.logout("jira")
        #expect(outcome == LogoutOutcome(hadSession: true, revocation: .revoked))
        #expect(signIn.revoked == [session])
        #expect(await h.store.session(for: "jira") == nil)
        #expect(try await h.status("jira").health.summary == "Logged out")
        #expect(h.messages.contains("OAuth token revoked at the provider"))

        signIn.answerRevocations(with: .failed("HTTP 503"))
        let again = try await h.engine.logout("jira")
        #expect(again == LogoutOutcome(hadSession: false, revocation: nil))
    }

    @Test func aFailedRevocationStillLogsOut() async throws {
        let clock = ManualClock()
        let signIn = Self.signIn(clock: clock)
        signIn.answerRevocations(with: .failed("network error: connection refused"))
        let h = H(sessions: [H.session("jira", clock: clock)], clock: clock, signIn: signIn)
        try await h.engine.start()
        #expect(try await h.engine.logout("jira").revocation == .failed("network error: connection refused"))
        #expect(await h.store.session(for: "jira") == nil)
    }

    // MARK: probe

    @Test func probesAtStartupAfterEveryRefreshAndEveryInterval() async throws {
        let clock = ManualClock()
        let prober = ScriptedProber()
        let h = H(sessions: [H.session("jira", clock: clock, lifetime: 3600)], clock: clock, prober: prober)
        try await h.engine.start()
        await h.tick()
        #expect(await h.eventually { prober.probeCount == 1 })
        await h.tick(at: clock.now.addingTimeInterval(299))
        #expect(prober.probeCount == 1)
        await h.tick(at: clock.now.addingTimeInterval(1))
        #expect(await h.eventually { prober.probeCount == 2 })
        // The proactive refresh at 48 min: a probe of the new token follows at once.
        await h.tick(at: clock.now.addingTimeInterval(48 * 60 - 300))
        #expect(h.refresher.requestCount == 1)
        await h.tick()
        #expect(await h.eventually { prober.tokensProbed.last == "at-1" })
        #expect(try await h.status("jira").health.summary == "Connected")
        #expect(!h.messages.contains { $0.contains("refresh") && $0.contains("connection") })
    }

    /// More due probes than slots: each waiting probe starts as soon as one ends, with no clock moving at all. (They
    /// used to look again every second: 100 unreachable servers kept `serve` waking for 15 s after its start.)
    @Test func waitingProbesStartAsSlotsFreeNotOnAOneSecondPoll() async throws {
        let clock = ManualClock()
        let prober = ScriptedProber()
        var policy = RefreshPolicy()
        policy.maxParallel = 2
        let names = (0..<20).map { "s\($0)" }
        let h = H(sessions: names.map { H.session($0, clock: clock) }, policy: policy, clock: clock, prober: prober)
        try await h.engine.start()

        await h.tick()

        #expect(await h.eventually { prober.probeCount == 20 })
        #expect(clock.monotonic == 0)
    }

    /// Tokens another process refreshed (and probed) are adopted without a probe of their own: three engines on
    /// one machine probing every refresh tripled the load on the MCP server in the soak. The periodic probe, planned
    /// as before, uses them.
    @Test func tokensAdoptedFromAnotherProcessWaitForThePeriodicProbe() async throws {
        let clock = ManualClock()
        let prober = ScriptedProber()
        let h = H(sessions: [H.session("jira", clock: clock)], clock: clock, prober: prober)
        try await h.engine.start()
        await h.tick()
        #expect(await h.eventually { prober.probeCount == 1 })
        let periodicProbe = clock.now.addingTimeInterval(300)
        await clock.advance(by: 10)
        await h.store.save(H.session("jira", clock: clock, age: 5, refreshToken: "rt-theirs", accessToken: "at-theirs"))

        #expect(try await h.engine.refresh("jira") == .adopted(expiresAt: clock.now.addingTimeInterval(3595)))

        #expect(await h.engine.servers["jira"]?.probeSchedule.due == periodicProbe)
        await h.tick(at: periodicProbe)
        #expect(await h.eventually { prober.tokensProbed == ["at-0", "at-theirs"] })
        #expect(h.refresher.requestCount == 0)
    }

    @Test func unauthorizedOnAFreshTokenIsTokenRejectedByServer() async throws {
        let clock = ManualClock()
        let prober = ScriptedProber(default: .unauthorized(error: "invalid_token: audience mismatch"))
        let h = H(sessions: [H.session("jira", clock: clock, age: 10)], clock: clock, prober: prober)
        try await h.engine.start()
        await h.tick()
        #expect(await h.eventually { (try? await h.status("jira").health.summary) == "Token rejected by server" })
        let status = try await h.status("jira")
        #expect(
            status.health
                == HealthStatus(
                    level: .unhealthy, summary: "Token rejected by server", detail: "invalid_token: audience mismatch",
                    action: .login))
        #expect(h.refresher.requestCount == 0)
        #expect(await h.store.refreshStates()["jira"]?.rejectedByServer == "invalid_token: audience mismatch")
        // A later probe that passes clears it.
        prober.answerAlways(.connected)
        await h.tick(at: clock.now.addingTimeInterval(300))
        #expect(await h.eventually { (try? await h.status("jira").health.summary) == "Connected" })
    }

    @Test func unauthorizedOnAnOlderTokenRefreshesThenProbesAgain() async throws {
        let clock = ManualClock()
        let prober = ScriptedProber()
        prober.enqueue(.unauthorized(error: "invalid_token: Authentication required"))
        let h = H(sessions: [H.session("jira", clock: clock, age: 120)], clock: clock, prober: prober)
        try await h.engine.start()
        await h.tick()
        #expect(await h.eventually { h.messages.contains("OAuth token refused by server; refreshing") })
        await h.tick()
        #expect(h.refresher.requestCount == 1)
        await h.tick()
        #expect(await h.eventually { prober.tokensProbed == ["at-0", "at-1"] })
        #expect(await h.eventually { (try? await h.status("jira").health.summary) == "Connected" })
        #expect(try await h.status("jira").facts.rejectedByServer == nil)
    }

    @Test func theReactiveRefreshRespectsTheRateLimit() async throws {
        let clock = ManualClock()
        let prober = ScriptedProber()
        let h = H(
            sessions: [H.session("jira", clock: clock, age: 120)], policy: RefreshPolicy(rejectionWindow: 1),
            clock: clock, prober: prober)
        try await h.engine.start()
        await h.tick()
        #expect(await h.eventually { prober.probeCount == 1 })
        _ = try await h.engine.refresh("jira")  // a refresh now opens the 10 s window
        #expect(h.refresher.requestCount == 1)
        await h.tick()
        #expect(await h.eventually { prober.probeCount == 2 })
        // 2 s later the server refuses the (no longer fresh) token: a refresh is due, but not before the window ends.
        await clock.advance(by: 2)
        prober.enqueue(.unauthorized(error: "invalid_token"))
        _ = try await h.engine.probe("jira")
        await h.tick()
        #expect(h.refresher.requestCount == 1)
        #expect(try await h.status("jira").nextAttempt == clock.now.addingTimeInterval(8))
        await h.tick(at: clock.now.addingTimeInterval(8))
        #expect(h.refresher.requestCount == 2)
        #expect(h.refresher.requests.last?.refreshToken == "rt-1")
    }

    @Test func unreachableIsDegradedWithTheShortAndTheFullError() async throws {
        let clock = ManualClock()
        let prober = ScriptedProber(
            default: .unreachable(
                summary: "Connection refused",
                detail: "POST https://jira.example.com/mcp: network error: connection refused"))
        let h = H(sessions: [H.session("jira", clock: clock)], clock: clock, prober: prober)
        try await h.engine.start()
        await h.tick()
        #expect(await h.eventually { (try? await h.status("jira").health.summary) == "Connection refused" })
        #expect(
            try await h.status("jira").health
                == HealthStatus(
                    level: .degraded, summary: "Connection refused",
                    detail: "POST https://jira.example.com/mcp: network error: connection refused", action: .viewLogs))
        #expect(h.messages.contains("OAuth client connection failed"))
        #expect(!h.messages.contains("OAuth client connection successful"))
    }

    @Test func probeNowAppliesItsAnswer() async throws {
        let clock = ManualClock()
        let prober = ScriptedProber()
        let h = H(sessions: [H.session("jira", clock: clock)], clock: clock, prober: prober)
        try await h.engine.start()
        #expect(try await h.engine.probe("jira") == .connected)
        #expect(try await h.status("jira").health.summary == "Connected")
        #expect(await h.store.refreshStates()["jira"]?.probe == "connected")
    }

    @Test func withoutAProberNothingIsProbed() async throws {
        let clock = ManualClock()
        let h = H(sessions: [H.session("jira", clock: clock)], clock: clock)
        try await h.engine.start()
        await h.tick()
        #expect(try await h.engine.probe("jira") == nil)
        #expect(try await h.status("jira").health.summary.hasPrefix("Token valid for"))
    }
}

/// A value shared with a `@Sendable` closure in a test.
final class Locked<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    var value: Value { storage.withLock { $0 } }
    func mutate(_ body: (inout Value) -> Void) { storage.withLock { body(&$0) } }
}
