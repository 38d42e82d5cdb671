import Foundation
import InMemoryLogging
import Logging
import MetricsTestKit
import OAuth
import OAuthTopTesting
import TokenStore

@testable import RefreshEngine

/// An engine over a hand-moved clock, a scripted token endpoint and an in-memory store, with its logs and
/// metrics captured.
struct EngineHarness {
    static let endpoint = ClientRegistration(tokenEndpoint: "https://auth.example.com/token", clientID: "client-1")

    let clock: ManualClock
    let refresher: ScriptedRefresher
    let store: InMemoryTokenStore
    let logs = InMemoryLogHandler()
    let metrics = TestMetrics()
    let engine: RefreshEngine

    init(
        sessions: [StoredSession] = [], servers: [String]? = nil, states: [String: StoredRefreshState] = [:],
        policy: RefreshPolicy = RefreshPolicy(), refresher: ScriptedRefresher = ScriptedRefresher(),
        clock: ManualClock = ManualClock(), signIn: ScriptedSignIn? = nil, prober: ScriptedProber? = nil
    ) {
        self.clock = clock
        self.refresher = refresher
        self.store = InMemoryTokenStore(sessions: sessions, states: states)
        let names = servers ?? sessions.map(\.server)
        let logs = self.logs
        var logger = Logger(label: "test", factory: { _ in logs })
        logger.logLevel = .debug
        engine = RefreshEngine(
            servers: names.map { ServerDefinition(name: $0, url: "https://\($0).example.com/mcp") },
            store: store, refresher: refresher, signIn: signIn, prober: prober, clock: clock, policy: policy,
            logger: logger,
            metricsFactory: metrics, owner: "test-engine", jitterSample: { 0 })
    }

    /// A session issued `age` seconds before the clock's now, living `lifetime` seconds.
    static func session(
        _ name: String, clock: ManualClock, age: Double = 0, lifetime: Double? = 3600, refreshToken: String? = "rt-0",
        accessToken: String = "at-0"
    ) -> StoredSession {
        let issued = clock.now.addingTimeInterval(-age)
        return StoredSession(
            server: name, accessToken: accessToken, refreshToken: refreshToken, scope: "mcp", issuedAt: issued,
            expiresAt: lifetime.map { issued.addingTimeInterval($0) }, client: endpoint)
    }

    /// One scheduler pass at the current time, then wait for the refreshes it started.
    func tick() async {
        await engine.processDue()
        await engine.waitForIdle()
    }

    /// Moves the clock to `date` and runs one pass there.
    func tick(at date: Date) async {
        let delta = date.timeIntervalSince(clock.now)
        if delta > 0 { await clock.advance(by: delta) }
        await tick()
    }

    func status(_ name: String) async throws -> ServerStatus {
        try await engine.status(of: name)
    }

    var messages: [String] { logs.entries.map { "\($0.message)" } }

    /// Polls (by yielding, never sleeping) until `condition` holds; false after many rounds.
    func eventually(_ condition: () async -> Bool) async -> Bool {
        for _ in 0..<20_000 {
            if await condition() { return true }
            await Task.yield()
        }
        return await condition()
    }
}
