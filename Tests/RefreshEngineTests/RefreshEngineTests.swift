import Foundation
import Health
import Logging
import OAuth
import OAuthTopTesting
import Testing
import TokenStore

@testable import RefreshEngine

@Suite struct RefreshEngineTests {
    typealias H = EngineHarness

    // MARK: Startup

    /// An access token that expired while oauthtop was down is refreshed at once on startup.
    /// The tokens and the refresh state the success leaves are written together, and the state is the engine's.
    @Test func aSuccessStoresTheTokensWithTheStateItLeaves() async throws {
        let clock = ManualClock()
        var policy = RefreshPolicy()
        policy.jitter = 0.1
        let h = EngineHarness(sessions: [H.session("jira", clock: clock, age: 3000)], policy: policy, clock: clock)
        try await h.engine.start()
        _ = try await h.engine.refresh("jira")
        let status = try await h.engine.status(of: "jira")
        let saved = try #require(await h.store.refreshStates()["jira"])
        #expect(saved.state == "scheduled")
        #expect(saved.lastRefreshAt == clock.now)
        #expect(saved.nextAttempt == status.nextAttempt)
        #expect(saved.nextAttempt == clock.now.addingTimeInterval(3600 * 0.8))
        #expect(await h.store.session(for: "jira")?.accessToken == "at-1")
    }

    @Test func startupRefreshesAnExpiredAccessToken() async throws {
        let clock = ManualClock()
        let h = H(sessions: [H.session("jira", clock: clock, age: 7200, lifetime: 3600)], clock: clock)
        try await h.engine.start()
        #expect(try await h.status("jira").health.summary == "Token expired, refreshing")
        await h.tick()
        #expect(h.refresher.requestCount == 1)
        let status = try await h.status("jira")
        #expect(status.refreshState == .scheduled)
        #expect(status.expiresAt == clock.now.addingTimeInterval(3600))
        #expect(status.nextAttempt == clock.now.addingTimeInterval(48 * 60))
        #expect(status.health.level == .healthy)
        let stored = try #require(await h.store.session(for: "jira"))
        #expect(stored.accessToken == "at-1" && stored.refreshToken == "rt-1")
        #expect(h.refresher.requests.first?.refreshToken == "rt-0")
    }

    @Test func startupMarksAnExpiredSessionWithoutRefreshTokenFailed() async throws {
        let clock = ManualClock()
        let h = H(sessions: [H.session("slack", clock: clock, age: 7200, refreshToken: nil)], clock: clock)
        try await h.engine.start()
        await h.tick()
        let status = try await h.status("slack")
        #expect(h.refresher.requestCount == 0)
        #expect(status.refreshState == .failed)
        #expect(status.lastError == "Token expired and no refresh token available")
        #expect(
            status.health
                == HealthStatus(
                    level: .unhealthy, summary: "Refresh failed",
                    detail: "Re-authentication required: Token expired and no refresh token available", action: .login))
    }

    @Test func startupRefreshesAtMostMaxParallelAtATime() async throws {
        let clock = ManualClock()
        let names = (0..<20).map { "server-\($0)" }
        let h = H(sessions: names.map { H.session($0, clock: clock, age: 7200) }, clock: clock)
        h.refresher.hold()
        try await h.engine.start()
        await h.engine.processDue()
        #expect(await h.eventually { h.refresher.waitingCount == 8 })
        #expect(h.refresher.requestCount == 8)
        h.refresher.release()
        #expect(await h.eventually { h.refresher.requestCount == 20 })
        h.refresher.release()
        await h.engine.waitForIdle()
        for name in names { #expect(try await h.status(name).refreshState == .scheduled) }
    }

    @Test func serverWithoutSessionNeedsSignIn() async throws {
        let h = H(servers: ["new"])
        try await h.engine.start()
        let status = try await h.status("new")
        #expect(status.health == HealthStatus(level: .degraded, summary: "Sign-in required", action: .login))
        await #expect(throws: EngineError.signInRequired("new")) { try await h.engine.refresh("new") }
    }

    // MARK: Proactive refresh

    @Test func refreshesAtEightyPercentAndReschedules() async throws {
        let clock = ManualClock()
        let h = H(sessions: [H.session("linear", clock: clock, lifetime: 3600)], clock: clock)
        try await h.engine.start()
        let due = try #require(try await h.status("linear").nextAttempt)
        #expect(due == clock.now.addingTimeInterval(48 * 60))
        await h.tick(at: due.addingTimeInterval(-0.001))
        #expect(h.refresher.requestCount == 0)
        await h.tick(at: due)
        #expect(h.refresher.requestCount == 1)
        let status = try await h.status("linear")
        #expect(status.nextAttempt == due.addingTimeInterval(48 * 60))
        #expect(status.lastRefreshAt == due)
        #expect(status.lastResult == .success)
    }

    @Test func rotatedRefreshTokenIsStoredAndAMissingOneIsKept() async throws {
        let clock = ManualClock()
        let refresher = ScriptedRefresher()
        refresher.enqueue(
            .tokens(TokenResponse(accessToken: "at-new", refreshToken: "rt-new", expiresIn: 600)),
            .tokens(TokenResponse(accessToken: "at-newer", tokenType: "bearer", expiresIn: 600)))
        let h = H(
            sessions: [H.session("github", clock: clock, age: 7200)],
            policy: RefreshPolicy(minAttemptInterval: 0), refresher: refresher, clock: clock)
        try await h.engine.start()
        _ = try await h.engine.refresh("github")
        #expect(await h.store.session(for: "github")?.refreshToken == "rt-new")
        _ = try await h.engine.refresh("github")
        let stored = try #require(await h.store.session(for: "github"))
        #expect(stored.accessToken == "at-newer")
        #expect(stored.refreshToken == "rt-new")
        #expect(stored.tokenType == "bearer")
        #expect(h.refresher.requests.map(\.refreshToken) == ["rt-0", "rt-new"])
        #expect(h.refresher.requests.allSatisfy { $0.clientID == "client-1" })
    }

    // MARK: Failures

    /// Retryable failures go on past the access token's expiry and never turn `failed` on a count.
    @Test func retryableFailuresNeverStopOnACount() async throws {
        let clock = ManualClock()
        let refresher = ScriptedRefresher()
        refresher.answerAlways(.failure(TokenEndpointError(kind: .http, status: 503, detail: "HTML page")))
        let h = H(
            sessions: [H.session("sentry", clock: clock, age: 0, lifetime: 600)], refresher: refresher, clock: clock)
        try await h.engine.start()
        var waits: [Double] = []
        var last = clock.now
        for _ in 0..<1000 {
            let next = try #require(try await h.status("sentry").nextAttempt)
            await h.tick(at: next)
            waits.append(next.timeIntervalSince(last))
            last = next
            let status = try await h.status("sentry")
            #expect(status.refreshState == .retrying)
        }
        let status = try await h.status("sentry")
        #expect(h.refresher.requestCount == 1000)
        #expect(status.retryCount == 1000)
        #expect(Array(waits.dropFirst().prefix(7)) == [10, 20, 40, 80, 160, 300, 300])
        #expect(waits.suffix(900).allSatisfy { $0 == 300 })
        #expect(status.expiresAt! < clock.now)
        #expect(status.health.summary == "Token expired, refresh retrying")
        #expect(status.health.action == .viewLogs)
        #expect(status.health.detail?.hasPrefix("Refresh retry 1000 scheduled for ") == true)
    }

    @Test func successResetsRetryCountAndError() async throws {
        let clock = ManualClock()
        let refresher = ScriptedRefresher()
        refresher.enqueue(.failure(.network("connection refused")), times: 2)
        let h = H(sessions: [H.session("notion", clock: clock, age: 3000)], refresher: refresher, clock: clock)
        try await h.engine.start()
        await h.tick()
        #expect(try await h.status("notion").retryCount == 1)
        #expect(try await h.status("notion").lastError == "network error: connection refused")
        await h.tick(at: try #require(try await h.status("notion").nextAttempt))
        #expect(try await h.status("notion").retryCount == 2)
        #expect(try await h.status("notion").health.summary == "Token refresh pending")
        await h.tick(at: try #require(try await h.status("notion").nextAttempt))
        let status = try await h.status("notion")
        #expect(status.retryCount == 0)
        #expect(status.lastError == nil)
        #expect(status.refreshState == .scheduled)
        #expect(status.health.level == .healthy)
    }

    @Test func invalidGrantFailsForGoodAndAsksForSignIn() async throws {
        let clock = ManualClock()
        let refresher = ScriptedRefresher()
        refresher.answerAlways(
            .failure(.init(kind: .http, status: 400, code: "invalid_grant", errorDescription: "refresh token revoked")))
        let h = H(sessions: [H.session("jira", clock: clock, age: 3000)], refresher: refresher, clock: clock)
        try await h.engine.start()
        await h.tick()
        let status = try await h.status("jira")
        #expect(status.refreshState == .failed)
        #expect(
            status.health
                == HealthStatus(
                    level: .unhealthy, summary: "Refresh token expired",
                    detail: "Re-authentication required: HTTP 400 invalid_grant: refresh token revoked", action: .login)
        )
        await h.tick(at: clock.now.addingTimeInterval(86_400))
        #expect(h.refresher.requestCount == 1)
        #expect(try await h.status("jira").nextAttempt == nil)
    }

    @Test func invalidGrantAfterAnotherProcessRotatedAdoptsItsTokens() async throws {
        let clock = ManualClock()
        let refresher = ScriptedRefresher()
        let h = H(sessions: [H.session("jira", clock: clock, age: 3000)], refresher: refresher, clock: clock)
        try await h.engine.start()
        // Another process rotates while our request is on the wire; the provider then rejects our old token.
        refresher.enqueue(.failure(.init(kind: .http, status: 400, code: "invalid_grant")))
        refresher.hold()
        await h.engine.processDue()
        #expect(await h.eventually { h.refresher.waitingCount == 1 })
        var other = H.session("jira", clock: clock, lifetime: 3600, refreshToken: "rt-other", accessToken: "at-other")
        other.issuedAt = clock.now
        await h.store.save(other)
        refresher.release()
        await h.engine.waitForIdle()
        let status = try await h.status("jira")
        #expect(status.refreshState == .scheduled)
        #expect(status.health.level == .healthy)
        #expect(h.messages.contains("OAuth refresh token was rotated by another process; adopted its tokens"))
    }

    @Test func retryAfterSecondsAndDateAreHonoured() async throws {
        let clock = ManualClock()
        let refresher = ScriptedRefresher()
        var tooMany = TokenEndpointError(kind: .http, status: 429)
        tooMany.retryAfter = "120"
        var unavailable = TokenEndpointError(kind: .http, status: 503)
        unavailable.retryAfter = RetryAfterTests.httpDate(clock.now.addingTimeInterval(120 + 600))
        refresher.enqueue(.failure(tooMany), .failure(unavailable))
        let h = H(sessions: [H.session("atlassian", clock: clock, age: 3000)], refresher: refresher, clock: clock)
        try await h.engine.start()
        await h.tick()
        let first = try #require(try await h.status("atlassian").nextAttempt)
        #expect(first == clock.now.addingTimeInterval(120))
        await h.tick(at: first)
        #expect(try await h.status("atlassian").nextAttempt == clock.now.addingTimeInterval(600))
    }

    // MARK: Rate limit on every path

    @Test func rateLimitOnTheTimerPath() async throws {
        let clock = ManualClock()
        let h = H(
            sessions: [H.session("fast", clock: clock, lifetime: 3)], refresher: ScriptedRefresher(lifetime: 3),
            clock: clock)
        try await h.engine.start()
        await h.tick(at: clock.now.addingTimeInterval(2.4))
        #expect(h.refresher.requestCount == 1)
        let attempt = clock.now
        await h.tick(at: attempt.addingTimeInterval(2.4))
        #expect(h.refresher.requestCount == 1)
        #expect(try await h.status("fast").nextAttempt == attempt.addingTimeInterval(10))
        #expect(h.messages.contains("OAuth token refresh rate limited"))
        await h.tick(at: attempt.addingTimeInterval(10))
        #expect(h.refresher.requestCount == 2)
    }

    @Test func rateLimitOnTheStartupPath() async throws {
        let clock = ManualClock()
        let lastAttempt = clock.now.addingTimeInterval(-3)
        let h = H(
            sessions: [H.session("crashy", clock: clock, age: 7200)],
            states: ["crashy": StoredRefreshState(state: "scheduled", lastAttemptAt: lastAttempt)], clock: clock)
        try await h.engine.start()
        await h.tick()
        #expect(h.refresher.requestCount == 0)
        #expect(try await h.status("crashy").nextAttempt == lastAttempt.addingTimeInterval(10))
        await h.tick(at: lastAttempt.addingTimeInterval(10))
        #expect(h.refresher.requestCount == 1)
    }

    @Test func rateLimitOnTheForcedPath() async throws {
        let clock = ManualClock()
        let h = H(sessions: [H.session("notion", clock: clock)], clock: clock)
        try await h.engine.start()
        #expect(try await h.engine.refresh("notion") == .refreshed(expiresAt: clock.now.addingTimeInterval(3600)))
        await clock.advance(by: 4)
        let window = clock.now.addingTimeInterval(6)
        let second = try await h.engine.refresh("notion")
        guard case .deferred(let until, let reason) = second else {
            Issue.record("expected deferred, got \(second)")
            return
        }
        #expect(until == window)
        #expect(reason.hasPrefix("rate limited: at most one attempt every 10s; refreshing at "))
        #expect(try await h.status("notion").nextAttempt == window)
        #expect(h.refresher.requestCount == 1)
        await h.tick(at: window)
        #expect(h.refresher.requestCount == 2)
    }

    @Test func rateLimitOnTheWakePath() async throws {
        let clock = ManualClock()
        let h = H(
            sessions: [H.session("a", clock: clock, lifetime: 3), H.session("b", clock: clock, age: 0, lifetime: 600)],
            refresher: ScriptedRefresher(lifetime: 3), clock: clock)
        try await h.engine.start()
        await h.tick(at: clock.now.addingTimeInterval(2.4))
        #expect(h.refresher.requestCount == 1)
        let attempt = clock.now
        // 6 s of sleep: over the 5 s wake threshold, inside a's 10 s rate-limit window.
        clock.suspend(for: 6)
        await h.tick()
        #expect(h.messages.contains("Clock jump detected; re-evaluating every schedule"))
        #expect(h.refresher.requestCount == 1)
        let a = try await h.status("a")
        #expect(a.nextAttempt == attempt.addingTimeInterval(10), "\(a) \(h.messages)")
    }

    // MARK: Single flight, wake, forced

    @Test func hundredConcurrentForcedRefreshesMakeOneRequest() async throws {
        let clock = ManualClock()
        let h = H(sessions: [H.session("jira", clock: clock)], clock: clock)
        try await h.engine.start()
        h.refresher.hold()
        let outcomes = await withTaskGroup(of: RefreshOutcome?.self) { group in
            for _ in 0..<100 {
                group.addTask { try? await h.engine.refresh("jira") }
            }
            #expect(await h.eventually { h.refresher.waitingCount == 1 })
            h.refresher.release()
            var all: [RefreshOutcome?] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        #expect(h.refresher.requestCount == 1)
        #expect(outcomes.count == 100)
        #expect(outcomes.allSatisfy { $0 == .refreshed(expiresAt: clock.now.addingTimeInterval(3600)) })
    }

    @Test func eightHourClockJumpRefreshesEveryOverdueServerAtOnce() async throws {
        let clock = ManualClock()
        let names = (0..<12).map { "s\($0)" }
        let h = H(sessions: names.map { H.session($0, clock: clock, lifetime: 3600) }, clock: clock)
        let loop = Task { try await h.engine.run() }
        defer { loop.cancel() }
        #expect(await h.eventually { clock.sleepRequests.count == 1 })
        #expect(clock.sleepRequests == [30])
        clock.suspend(for: 8 * 3600)
        await clock.advance(by: 30)
        #expect(await h.eventually { h.refresher.requestCount == 12 })
        await h.engine.waitForIdle()
        for name in names {
            let status = try await h.status(name)
            #expect(status.refreshState == .scheduled)
            #expect(status.lastRefreshAt == clock.now)
        }
        #expect(h.messages.contains("Clock jump detected; re-evaluating every schedule"))
        #expect(clock.sleepRequests.allSatisfy { $0 <= 30 })
    }

    /// The kernel tells when the wall clock is set (or the machine resumes): the loop wakes then, not at the end of
    /// its 30 s sleep, and every overdue server is refreshed while the monotonic clock has not moved at all.
    @Test func aWallClockSetWakesTheLoopAtOnce() async throws {
        let clock = ManualClock()
        let names = (0..<3).map { "s\($0)" }
        let h = H(sessions: names.map { H.session($0, clock: clock, lifetime: 3600) }, clock: clock)
        let loop = Task { try await h.engine.run() }
        defer { loop.cancel() }
        #expect(await h.eventually { clock.sleepRequests == [30] })

        clock.setWallClock(by: 8 * 3600)

        #expect(await h.eventually { h.refresher.requestCount == 3 })
        #expect(clock.monotonic == 0)
        #expect(h.messages.contains("Clock jump detected; re-evaluating every schedule"))
    }

    @Test func loopSleepsUntilTheNextDeadlineButNeverLongerThan30s() async throws {
        let clock = ManualClock()
        let h = H(sessions: [H.session("short", clock: clock, lifetime: 20)], clock: clock)
        let loop = Task { try await h.engine.run() }
        defer { loop.cancel() }
        // First deadline at 16 s: one sleep of 16 s, then the refresh, then 30 s re-checks against a 48 min schedule.
        #expect(await h.eventually { clock.sleepRequests.count == 1 })
        #expect(clock.sleepRequests == [16])
        await clock.advance(by: 16)
        #expect(await h.eventually { h.refresher.requestCount == 1 })
        #expect(await h.eventually { clock.sleepRequests.count == 2 })
        for _ in 0..<4 {
            let count = clock.sleepRequests.count
            await clock.advance(by: 30)
            #expect(await h.eventually { clock.sleepRequests.count == count + 1 })
        }
        #expect(clock.sleepRequests.dropFirst() == [30, 30, 30, 30, 30])
        #expect(h.refresher.requestCount == 1)
        #expect(await h.engine.wakeups == 5)
    }

    @Test func anEarlierDeadlineWakesTheSleepingLoop() async throws {
        let clock = ManualClock()
        let h = H(sessions: [H.session("a", clock: clock, lifetime: 3600)], clock: clock)
        let loop = Task { try await h.engine.run() }
        defer { loop.cancel() }
        #expect(await h.eventually { clock.sleepRequests.count == 1 })
        // A forced refresh inside the rate-limit window schedules a deadline 10 s out, under the 30 s sleep.
        _ = try await h.engine.refresh("a")
        await clock.advance(by: 1)
        _ = try await h.engine.refresh("a")
        #expect(await h.eventually { clock.sleepRequests.last == 9 })
    }

    // MARK: Bad input

    @Test func unknownServerIsAClearError() async throws {
        let h = H(servers: ["a"])
        try await h.engine.start()
        await #expect(throws: EngineError.unknownServer("nope")) { try await h.engine.refresh("nope") }
        #expect(EngineError.unknownServer("nope").description == "no server named 'nope' in the configuration")
        await #expect(throws: EngineError.unknownServer("nope")) { try await h.engine.status(of: "nope") }
    }

    @Test func tokenThatExpiredBeforeItWasIssuedIsRefreshedAtOnce() async throws {
        let clock = ManualClock()
        let h = H(sessions: [H.session("odd", clock: clock, lifetime: -60)], clock: clock)
        try await h.engine.start()
        await h.tick()
        #expect(h.refresher.requestCount == 1)
        #expect(try await h.status("odd").refreshState == .scheduled)
        #expect(h.messages.contains("OAuth token expires before it was issued; refreshing at once"))
    }

    /// 0 or below is "expired now" instead: `NumberBoundsTests`.
    @Test(arguments: [nil, .infinity, .nan] as [Double?])
    func absentOrNonFiniteLifetimeMeansNoKnownExpiry(lifetime: Double?) async throws {
        let clock = ManualClock()
        let refresher = ScriptedRefresher()
        refresher.enqueue(.tokens(TokenResponse(accessToken: "at-x", refreshToken: "rt-x", expiresIn: lifetime)))
        let h = H(sessions: [H.session("atlassian", clock: clock, age: 7200)], refresher: refresher, clock: clock)
        try await h.engine.start()
        await h.tick()
        let status = try await h.status("atlassian")
        #expect(status.expiresAt == nil)
        #expect(status.refreshState == .idle)
        #expect(status.nextAttempt == nil)
        #expect(status.health == HealthStatus(level: .healthy, summary: "Token valid, no expiry"))
    }

    @Test func missingTokenEndpointFailsWithAnActionableMessage() async throws {
        let clock = ManualClock()
        var session = H.session("bare", clock: clock, age: 7200)
        session.client = nil
        let h = H(sessions: [session], clock: clock)
        try await h.engine.start()
        await h.tick()
        let status = try await h.status("bare")
        #expect(status.refreshState == .failed)
        #expect(status.lastError?.hasPrefix("No token endpoint is known for this server") == true)
        #expect(h.refresher.requestCount == 0)
    }

    @Test func logoutForgetsTokensAndStopsTheSchedule() async throws {
        let clock = ManualClock()
        let h = H(sessions: [H.session("jira", clock: clock)], clock: clock)
        try await h.engine.start()
        try await h.engine.logout("jira")
        #expect(await h.store.session(for: "jira") == nil)
        let status = try await h.status("jira")
        #expect(status.health == HealthStatus(level: .unhealthy, summary: "Logged out", action: .login))
        await h.tick(at: clock.now.addingTimeInterval(86_400))
        #expect(h.refresher.requestCount == 0)
        await #expect(throws: EngineError.loggedOut("jira")) { try await h.engine.refresh("jira") }
    }

    // MARK: Cross-process lease

    @Test func leaseHeldByAnotherProcessDefersTheRefresh() async throws {
        let clock = ManualClock()
        let h = H(sessions: [H.session("jira", clock: clock, age: 7200)], clock: clock)
        let until = clock.now.addingTimeInterval(20)
        _ = await h.store.acquireLease(for: "jira", owner: "other-process", until: until, now: clock.now)
        try await h.engine.start()
        let outcome = try await h.engine.refresh("jira")
        // Looked at again within a quarter second, not at the lease's end: a holder that dies on the wire is noticed.
        #expect(
            outcome
                == .deferred(
                    until: clock.now.addingTimeInterval(0.25),
                    reason: "another oauthtop process (other-process) is refreshing this server"))
        #expect(h.refresher.requestCount == 0)
        // The other process finished and stored new tokens: we adopt them instead of refreshing.
        var theirs = H.session("jira", clock: clock, refreshToken: "rt-theirs", accessToken: "at-theirs")
        theirs.issuedAt = clock.now
        await h.store.commit(theirs, state: nil, releasingLeaseOf: "other-process", replacing: nil)
        await h.tick(at: until)
        #expect(h.refresher.requestCount == 0)
        #expect(try await h.status("jira").health.level == .healthy)
    }
}

extension RefreshEngineTests {
    /// Another process sent the stored refresh token and died on the wire (its lease ended with it): the provider
    /// may have rotated that token and honours it again for seconds only. The engine takes the lease, adopts the
    /// stored tokens (newer than its own, and due) and sends their refresh in the same attempt, instead of letting
    /// go of the lease and coming back on the next turn of the schedule (which cost whole families in the soak).
    @Test func dueTokensLeftByADeadHolderAreRefreshedAtOnceUnderTheLease() async throws {
        let clock = ManualClock()
        let h = H(sessions: [H.session("jira", clock: clock, age: 7200)], clock: clock)
        try await h.engine.start()
        await h.store.save(H.session("jira", clock: clock, age: 3500, refreshToken: "rt-left", accessToken: "at-left"))

        let outcome = try await h.engine.refresh("jira")

        #expect(outcome == .refreshed(expiresAt: clock.now.addingTimeInterval(3600)))
        #expect(h.refresher.requests.map(\.refreshToken) == ["rt-left"], "the stored token, sent once, at once")
        let stored = try #require(await h.store.session(for: "jira"))
        #expect(stored.refreshToken == "rt-1" && stored.accessToken == "at-1")
        #expect(
            await h.store.acquireLease(for: "jira", owner: "next", until: clock.now, now: clock.now)
                == .acquired(stored))
    }

    /// Tokens another process refreshed that are not due yet are adopted, not refreshed again.
    @Test func freshTokensOfAnotherProcessAreAdoptedNotRefreshed() async throws {
        let clock = ManualClock()
        let h = H(sessions: [H.session("jira", clock: clock, age: 7200)], clock: clock)
        try await h.engine.start()
        await h.store.save(
            H.session("jira", clock: clock, age: 10, refreshToken: "rt-theirs", accessToken: "at-theirs"))

        let outcome = try await h.engine.refresh("jira")

        #expect(outcome == .adopted(expiresAt: clock.now.addingTimeInterval(3590)))
        #expect(h.refresher.requestCount == 0)
    }

    /// A `token` call or an import in another process wrote new tokens: the engine takes them at its next store
    /// sync (`run()` syncs at most every `RefreshPolicy.storeSyncInterval`, 5 s).
    @Test func syncAdoptsTokensAnotherProcessWrote() async throws {
        let clock = ManualClock()
        let h = H(sessions: [H.session("jira", clock: clock, lifetime: 3600)], clock: clock)
        try await h.engine.start()
        await clock.advance(by: 600)
        var theirs = H.session(
            "jira", clock: clock, lifetime: 7200, refreshToken: "rt-theirs", accessToken: "at-theirs")
        theirs.issuedAt = clock.now
        await h.store.save(theirs)
        await h.engine.syncWithStore()
        let status = try await h.status("jira")
        #expect(status.expiresAt == clock.now.addingTimeInterval(7200))
        #expect(status.nextAttempt == clock.now.addingTimeInterval(96 * 60))
        #expect(h.messages.contains("OAuth tokens adopted from the store"))
        #expect(h.refresher.requestCount == 0)
    }

    @Test func syncNoticesALogoutInAnotherProcess() async throws {
        let clock = ManualClock()
        let h = H(sessions: [H.session("jira", clock: clock)], clock: clock)
        try await h.engine.start()
        await h.store.deleteSession(for: "jira")
        await h.engine.syncWithStore()
        #expect(try await h.status("jira").health.summary == "Logged out")
        await h.tick(at: clock.now.addingTimeInterval(86_400))
        #expect(h.refresher.requestCount == 0)
    }
}
