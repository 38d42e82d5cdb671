import Foundation
import Health
import Logging
import OAuth
import OAuthTopTesting
import Synchronization
import Testing
import TokenStore

@testable import RefreshEngine

/// What `oauthtop token` and `oauthtop headers` hand out, over an in-memory store, a scripted token endpoint and a
/// hand-moved clock. Every wait the issuer asks for is recorded; `duringWait` plays whatever happens meanwhile.
final class IssuerRig: Sendable {
    static let client = ClientRegistration(
        tokenEndpoint: "https://auth.example.com/oauth/token", clientID: "oauthtop-3f9c2a7e",
        resource: "https://mcp.example.com/mcp")
    static let accessToken = "at-7Qm2vX9kLp4RzT8wYc1NfB6hJd3sGe0uKa5"
    static let refreshToken = "rt-Hn4Wq8zVx2Lm6Pc0Ty9Rb3Kf7Js1Dg5Ae"

    let clock: ManualClock
    let waits: WaitClock
    let store: InMemoryTokenStore
    let refresher = ScriptedRefresher()
    let policy: RefreshPolicy
    private let made = Mutex<Int>(0)

    init(
        store: InMemoryTokenStore, policy: RefreshPolicy = RefreshPolicy(), clock: ManualClock,
        duringWait: @escaping @Sendable (Double) async -> Void = { _ in }
    ) {
        self.clock = clock
        self.policy = policy
        self.store = store
        waits = WaitClock(clock, duringWait: duringWait)
    }

    convenience init(
        sessions: [StoredSession], states: [String: StoredRefreshState] = [:], policy: RefreshPolicy = RefreshPolicy(),
        clock: ManualClock = ManualClock()
    ) {
        self.init(store: InMemoryTokenStore(sessions: sessions, states: states), policy: policy, clock: clock)
    }

    /// How many engines the issuer made (one per refresh it needed).
    var enginesMade: Int { made.withLock { $0 } }

    /// The server as the config defines it.
    static let server = ServerDefinition(name: "jira", url: "https://mcp.example.com/mcp", client: client)

    var issuer: TokenIssuer {
        TokenIssuer(store: store, policy: policy, clock: waits) { [self] server in
            made.withLock { $0 += 1 }
            return RefreshEngine(
                servers: [server], store: store, refresher: refresher, clock: clock, policy: policy,
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), owner: "pid-100-issuer")
        }
    }

    /// A session issued `age` seconds ago that lives an hour: due for refresh from 2880 s (0.8 of its life).
    static func session(
        age: Double, clock: ManualClock, refreshToken: String? = IssuerRig.refreshToken
    ) -> StoredSession {
        let issued = clock.now.addingTimeInterval(-age)
        return StoredSession(
            server: "jira", accessToken: accessToken, refreshToken: refreshToken, scope: "read:jira-work",
            issuedAt: issued, expiresAt: issued.addingTimeInterval(3600), client: client)
    }

    static let renewed = TokenResponse(
        accessToken: "at-Zc5Lr0Xn8Vb2Mq6Wk4Ht9Jp1Gs7Df3Ye", refreshToken: "rt-Pu2Ko7Ni4Mj9Lh1Kg6Jf3Hd8Gs0Fa5Eq",
        expiresIn: 3600)
}

/// Reads the hand-moved clock; a wait records its length, lets `duringWait` run, then moves the clock past it.
final class WaitClock: EngineClock {
    private let base: ManualClock
    private let duringWait: @Sendable (Double) async -> Void
    private let requested = Mutex<[Double]>([])

    init(_ base: ManualClock, duringWait: @escaping @Sendable (Double) async -> Void) {
        self.base = base
        self.duringWait = duringWait
    }

    var waits: [Double] { requested.withLock { $0 } }
    var now: Date { base.now }
    var monotonic: Double { base.monotonic }
    var boottime: Double { base.boottime }

    func sleep(seconds: Double) async throws {
        requested.withLock { $0.append(seconds) }
        await duringWait(seconds)
        await base.advance(by: seconds)
    }
}

@Suite struct TokenIssuerTests {
    @Test func aFreshTokenIsHandedOutWithoutARequest() async throws {
        let clock = ManualClock()
        let session = IssuerRig.session(age: 60, clock: clock)
        let rig = IssuerRig(sessions: [session], clock: clock)
        #expect(try await rig.issuer.validSession(for: IssuerRig.server) == IssuedSession(session: session))
        #expect(rig.refresher.requestCount == 0)
        #expect(rig.enginesMade == 0, "no engine, no lease for a fresh token")
    }

    @Test func aSessionIssuedForAnotherURLIsNeverHandedOut() async throws {
        let clock = ManualClock()
        var session = IssuerRig.session(age: 2880, clock: clock)
        session.serverURL = "https://old.example.com/mcp"
        let rig = IssuerRig(sessions: [session], clock: clock)
        await #expect(
            throws: TokenIssueError.signInRequired(
                "the session of 'jira' was issued for https://old.example.com/mcp, but the config now names "
                    + "https://mcp.example.com/mcp; its token is not sent there. Sign in again: oauthtop login jira")
        ) { try await rig.issuer.validSession(for: IssuerRig.server) }
        #expect(rig.refresher.requestCount == 0 && rig.enginesMade == 0)
        // Issued for the configured URL: handed out.
        session.serverURL = IssuerRig.server.url
        await rig.store.save(session)
        #expect(rig.refresher.requestCount == 0)
        rig.refresher.enqueue(.tokens(IssuerRig.renewed))
        #expect(
            try await rig.issuer.validSession(for: IssuerRig.server).session.accessToken
                == IssuerRig.renewed.accessToken)
    }

    @Test func aDueTokenIsRefreshedWithExactlyOneRequest() async throws {
        let clock = ManualClock()
        let rig = IssuerRig(sessions: [IssuerRig.session(age: 2880, clock: clock)], clock: clock)
        rig.refresher.enqueue(.tokens(IssuerRig.renewed))
        let issued = try await rig.issuer.validSession(for: IssuerRig.server)

        #expect(issued.warning == nil)
        #expect(issued.session.accessToken == IssuerRig.renewed.accessToken)
        #expect(issued.session.refreshToken == IssuerRig.renewed.refreshToken)
        #expect(issued.session.expiresAt == clock.now.addingTimeInterval(3600))
        #expect(rig.refresher.requests.map(\.refreshToken) == [IssuerRig.refreshToken])
        #expect(await rig.store.session(for: "jira")?.accessToken == IssuerRig.renewed.accessToken)
        #expect(rig.waits.waits == [])
    }

    @Test func withoutARefreshTokenAValidTokenIsHandedOutAndAnExpiredOneNeedsSignIn() async throws {
        let clock = ManualClock()
        let valid = IssuerRig.session(age: 3000, clock: clock, refreshToken: nil)
        let validRig = IssuerRig(sessions: [valid], clock: clock)
        #expect(try await validRig.issuer.validSession(for: IssuerRig.server) == IssuedSession(session: valid))

        let expired = IssuerRig.session(age: 3601, clock: clock, refreshToken: nil)
        let expiredRig = IssuerRig(sessions: [expired], clock: clock)
        await #expect(
            throws: TokenIssueError.signInRequired(
                "the token of 'jira' expired and there is no refresh token; sign in again: oauthtop login jira")
        ) {
            try await expiredRig.issuer.validSession(for: IssuerRig.server)
        }
        #expect(validRig.refresher.requestCount + expiredRig.refresher.requestCount == 0)
    }

    @Test func noSessionNeedsSignIn() async throws {
        let rig = IssuerRig(sessions: [])
        await #expect(
            throws: TokenIssueError.signInRequired(
                "no session for 'jira'; sign in with: oauthtop login jira  (or: oauthtop import jira < token.json)")
        ) {
            try await rig.issuer.validSession(for: IssuerRig.server)
        }
    }

    @Test func anotherProcessHoldingTheLeaseIsWaitedForAndItsTokenHandedOut() async throws {
        let clock = ManualClock()
        let sibling = StoredSession(
            server: "jira", accessToken: "at-Sb9Xk2Wm7Lq4Rn1Tv6Yc3Hp8Jd0Gf5Ea",
            refreshToken: "rt-Sb3Mn8Bv1Cx6Zl4Kj9Hg2Fd7Sa0Qw5Er", scope: "read:jira-work", issuedAt: clock.now,
            expiresAt: clock.now.addingTimeInterval(3600), client: IssuerRig.client)
        let store = InMemoryTokenStore(sessions: [IssuerRig.session(age: 2900, clock: clock)])
        _ = await store.acquireLease(
            for: "jira", owner: "pid-200-sibling", until: clock.now.addingTimeInterval(35), now: clock.now)
        let rig = IssuerRig(store: store, clock: clock) { _ in
            // Meanwhile the sibling finishes its refresh and lets go of the lease.
            await store.commit(sibling, state: nil, releasingLeaseOf: "pid-200-sibling")
        }

        let issued = try await rig.issuer.validSession(for: IssuerRig.server)
        #expect(issued == IssuedSession(session: sibling))
        #expect(rig.refresher.requestCount == 0, "the sibling's tokens are adopted, not refreshed again")
        #expect(rig.waits.waits == [0.3], "the lease is looked at again after a quarter second")
    }

    /// A lease held past the longest wait: the call looks every quarter second for up to 60 s (the holder may die and free
    /// it), then gives up with a retryable error.
    @Test func aLeaseHeldLongerThanTheLongestWaitIsRetryable() async throws {
        let clock = ManualClock()
        let rig = IssuerRig(sessions: [IssuerRig.session(age: 2900, clock: clock)], clock: clock)
        _ = await rig.store.acquireLease(
            for: "jira", owner: "pid-200-sibling", until: clock.now.addingTimeInterval(90), now: clock.now)
        await #expect(
            throws: TokenIssueError.retryable("'jira' is being refreshed by another process; try again shortly")
        ) {
            try await rig.issuer.validSession(for: IssuerRig.server)
        }
        #expect(rig.waits.waits.allSatisfy { $0 == 0.3 })
        #expect(rig.waits.waits.count == 200, "60 s in quarter-second looks (each 0.25 s + 0.05 s margin)")
        #expect(rig.refresher.requestCount == 0)
    }

    @Test func theRateLimitIsWaitedOutThenOneRequestGoesOut() async throws {
        let clock = ManualClock()
        let rig = IssuerRig(
            sessions: [IssuerRig.session(age: 2900, clock: clock)],
            states: ["jira": StoredRefreshState(state: "scheduled", lastAttemptAt: clock.now.addingTimeInterval(-4))],
            clock: clock)
        rig.refresher.enqueue(.tokens(IssuerRig.renewed))
        let issued = try await rig.issuer.validSession(for: IssuerRig.server)
        #expect(issued.session.accessToken == IssuerRig.renewed.accessToken)
        #expect(rig.refresher.requestCount == 1)
        #expect(rig.waits.waits.count == 1)
        #expect(abs((rig.waits.waits.first ?? 0) - 6.05) < 0.001, "the rest of the 10 s window")
    }

    @Test func aRateLimitLongerThanTheLongestWaitIsRetryable() async throws {
        let clock = ManualClock()
        var policy = RefreshPolicy()
        policy.minAttemptInterval = 120
        let rig = IssuerRig(
            sessions: [IssuerRig.session(age: 2900, clock: clock)],
            states: ["jira": StoredRefreshState(state: "scheduled", lastAttemptAt: clock.now.addingTimeInterval(-10))],
            policy: policy, clock: clock)
        let until = TimeText.rfc3339(clock.now.addingTimeInterval(110))
        await #expect(
            throws: TokenIssueError.retryable(
                "'jira': rate limited: at most one attempt every 120s; refreshing at \(until)")
        ) {
            try await rig.issuer.validSession(for: IssuerRig.server)
        }
        #expect(rig.refresher.requestCount == 0)
    }

    @Test func aPermanentFailureNeedsSignIn() async throws {
        let clock = ManualClock()
        let rig = IssuerRig(sessions: [IssuerRig.session(age: 2900, clock: clock)], clock: clock)
        rig.refresher.enqueue(
            .failure(
                TokenEndpointError(kind: .http, status: 400, code: "invalid_grant", errorDescription: "Token revoked")))
        await #expect(
            throws: TokenIssueError.signInRequired(
                "cannot refresh 'jira': HTTP 400 invalid_grant: Token revoked; sign in again: oauthtop login jira")
        ) {
            try await rig.issuer.validSession(for: IssuerRig.server)
        }
        #expect(rig.refresher.requestCount == 1)
    }

    /// After the provider refused the refresh token for good, later calls do not present it again: the still
    /// valid token is handed out with a warning, an expired one needs sign-in, and no request goes out.
    @Test func aRefreshTokenRefusedForGoodIsNotSentAgain() async throws {
        let clock = ManualClock()
        let rig = IssuerRig(sessions: [IssuerRig.session(age: 2900, clock: clock)], clock: clock)
        rig.refresher.enqueue(
            .failure(
                TokenEndpointError(kind: .http, status: 400, code: "invalid_grant", errorDescription: "Token revoked")))
        _ = try? await rig.issuer.validSession(for: IssuerRig.server)
        #expect(rig.refresher.requestCount == 1)

        let again = try await rig.issuer.validSession(for: IssuerRig.server)
        #expect(again.session.accessToken == IssuerRig.accessToken)
        #expect(
            again.warning
                == "the refresh token of 'jira' was refused (HTTP 400 invalid_grant: Token revoked); this token is "
                + "still valid until \(TimeText.rfc3339(clock.now.addingTimeInterval(700))); sign in again: "
                + "oauthtop login jira")
        await clock.advance(by: 701)
        await #expect(
            throws: TokenIssueError.signInRequired(
                "cannot refresh 'jira': HTTP 400 invalid_grant: Token revoked; sign in again: oauthtop login jira")
        ) {
            try await rig.issuer.validSession(for: IssuerRig.server)
        }
        #expect(rig.refresher.requestCount == 1, "the dead refresh token went out once")
    }

    @Test func aRetryableFailureHandsOutTheStillValidTokenWithAWarning() async throws {
        let clock = ManualClock()
        let session = IssuerRig.session(age: 2900, clock: clock)
        let rig = IssuerRig(sessions: [session], clock: clock)
        rig.refresher.enqueue(.failure(TokenEndpointError(kind: .http, status: 503, detail: "HTML page of 1 KiB")))
        let issued = try await rig.issuer.validSession(for: IssuerRig.server)
        let next = TimeText.rfc3339(clock.now.addingTimeInterval(10))
        #expect(
            issued
                == IssuedSession(
                    session: session,
                    warning: "refresh of 'jira' failed (HTTP 503: HTML page of 1 KiB); the current token is still "
                        + "valid; next attempt at \(next)"))
        #expect(issued.warning?.contains(IssuerRig.accessToken) == false)
        #expect(issued.warning?.contains(IssuerRig.refreshToken) == false)
    }

    @Test func aRetryableFailureOfAnExpiredTokenIsRetryable() async throws {
        let clock = ManualClock()
        let rig = IssuerRig(sessions: [IssuerRig.session(age: 3700, clock: clock)], clock: clock)
        rig.refresher.enqueue(.failure(.network("connection refused")))
        let next = TimeText.rfc3339(clock.now.addingTimeInterval(10))
        await #expect(
            throws: TokenIssueError.retryable(
                "refresh of 'jira' failed: network error: connection refused; try again after \(next)")
        ) {
            try await rig.issuer.validSession(for: IssuerRig.server)
        }
    }

    @Test func aServerTheEngineRefusesIsAConfigurationError() async throws {
        let clock = ManualClock()
        let rig = IssuerRig(sessions: [IssuerRig.session(age: 2900, clock: clock)], clock: clock)
        var disabled = IssuerRig.server
        disabled.enabled = false
        await #expect(
            throws: TokenIssueError.configuration(
                "server 'jira' is disabled in the configuration; set \"enabled\": true to refresh it")
        ) {
            try await rig.issuer.validSession(for: disabled)
        }
    }
}
