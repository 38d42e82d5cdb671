import Dashboard
import Foundation
import Health
import Logging
import OAuth
import RefreshEngine
import Synchronization
import TokenStore

#if canImport(Glibc)
    import Glibc
#endif

/// `oauthtop-bench dashboard`: the real dashboard in a real terminal over an in-memory engine, for the targets of
/// issue 4. Run it in a terminal (or tmux) and read the figures it prints after you quit.
///
///   --scenario idle    N servers whose tokens never expire: nothing counts down (measure CPU from outside)
///   --scenario burst   N servers that all change level together every 2 s: latency and frame rate
///   --scenario live    N servers with short tokens and a flaky endpoint: rows change live
///   --scenario storm   N servers, one changing every fraction of a millisecond: the frame-rate cap
///   --scenario render  no terminal: the model's cost of one frame
///   --scenario startup quit after the first frame; prints its CLOCK_REALTIME time in nanoseconds
struct DashboardBench {
    var servers: Int
    var scenario: String

    func run() async throws -> Int32 {
        if scenario == "render" { return renderCost() }
        let now = Date()
        // burst starts degraded (no refresh token, 50 s left: inside the 60 s warning) and flips every 2 s.
        let lifetime: TimeInterval? =
            switch scenario {
            case "live": 20
            case "idle", "startup": nil
            case "burst": 50
            default: 3600
            }
        let client = ClientRegistration(tokenEndpoint: "http://127.0.0.1:9/token", clientID: "bench")
        let sessions = (0..<servers).map { index in
            StoredSession(
                server: name(index), accessToken: "at-\(index)",
                refreshToken: scenario == "burst" ? nil : "rt-\(index)",
                issuedAt: now.addingTimeInterval(-Double(index % 7)),
                expiresAt: lifetime.map { now.addingTimeInterval($0 - Double(index % 7)) }, client: client)
        }
        let definitions = (0..<servers).map { ServerDefinition(name: name($0), url: "http://127.0.0.1:9/mcp") }
        var logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        logger.logLevel = .critical
        let policy = RefreshPolicy(
            minBuffer: 0, retryBackoffBase: 1, maxRetryBackoff: 8, minAttemptInterval: 1, expiryWarning: 60,
            maxParallel: 64, requestTimeout: 5)
        let engine = RefreshEngine(
            servers: definitions, store: InMemoryTokenStore(sessions: sessions),
            refresher: FlakyRefresher(lifetime: 20), policy: policy, logger: logger)
        try await engine.start()
        let runner = Task { try? await engine.run() }

        let recorder = FrameRecorder()
        var burst: Task<Void, Never>?
        if scenario == "burst" {
            burst = Task {
                var round = 0
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(2))
                    round += 1
                    // Every server at once: healthy on odd rounds; on even rounds no refresh token and 50 s left,
                    // inside the 60 s expiry warning: degraded.
                    let issued = Date()
                    recorder.burstStarted(at: DashboardBench.monotonic(), healthy: round % 2 == 1 ? servers : 0)
                    // One actor call per server, as the engine publishes after refreshes.
                    for index in 0..<servers {
                        try? await engine.adopt(
                            StoredSession(
                                server: name(index), accessToken: "at-\(round)-\(index)",
                                refreshToken: round % 2 == 1 ? "rt-\(round)" : nil, issuedAt: issued,
                                expiresAt: issued.addingTimeInterval(round % 2 == 1 ? 3600 : 50), client: client))
                    }
                    recorder.burstPublished(at: DashboardBench.monotonic())
                }
            }
        }
        if scenario == "storm" {
            // A status change every 200 µs or so, for as long as the dashboard runs: the frame rate must stay capped.
            burst = Task {
                var round = 0
                while !Task.isCancelled {
                    round += 1
                    let index = round % servers
                    let issued = Date()
                    try? await engine.adopt(
                        StoredSession(
                            server: name(index), accessToken: "at-\(round)", refreshToken: "rt", issuedAt: issued,
                            expiresAt: issued.addingTimeInterval(Double(60 + round % 3600)), client: client))
                    if round % 5 == 0 { try? await Task.sleep(for: .milliseconds(1)) }
                }
            }
        }
        let quitAfterFirst = scenario == "startup"
        let code = await DashboardApp.run(
            engine: engine, title: "oauthtop-bench \(scenario)",
            options: DashboardApp.Options(onFrame: { frame, at in
                recorder.record(frame, at: at)
                if quitAfterFirst { raise(SIGTERM) }
            }),
            logLines: { ["log lines of \($0) would be here"] })
        burst?.cancel()
        runner.cancel()
        recorder.report(servers: servers)
        return code
    }

    /// The model's share of a frame: `render` of a 120x40 window over `servers` servers, no terminal.
    private func renderCost() -> Int32 {
        let now = Date()
        var model = DashboardModel(title: "render", expiryWarning: 60)
        for index in 0..<servers {
            let facts = HealthFacts(
                hasSession: true, accessTokenExpiresAt: now.addingTimeInterval(Double(30 + index % 100)),
                hasRefreshToken: index % 2 == 0, refreshState: index % 2 == 0 ? .scheduled : .idle,
                nextAttempt: index % 2 == 0 ? now.addingTimeInterval(Double(20 + index % 50)) : nil)
            model.apply(
                ServerStatus(
                    name: name(index), facts: facts, health: HealthCalculator().evaluate(facts, now: now),
                    observedAt: now))
        }
        for _ in 0..<20 { _ = model.render(width: 120, height: 40, now: now) }
        let rounds = 200
        let started = DashboardBench.monotonic()
        for round in 0..<rounds { _ = model.render(width: 120, height: 40, now: now.addingTimeInterval(Double(round))) }
        let each = (DashboardBench.monotonic() - started) / Double(rounds)
        print(String(format: "render of a 120x40 frame over %d servers: %.2f ms", servers, each * 1000))
        return 0
    }

    private func name(_ index: Int) -> String { "server-" + String(format: "%04d", index) }

    static func monotonic() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

/// Frame times and burst latencies, written from the main actor and the burst task.
final class FrameRecorder: Sendable {
    private struct State {
        var frames: [Double] = []
        var firstFrameRealtime: Int?
        var burstStart: Double?
        var burstPublished: Double?
        var finalFrame: Double?
        var expectedHealthy = 0
        var latencies: [(fromStart: Double, fromLast: Double)] = []

        /// Both ends known: the burst's latency is settled.
        mutating func settle() {
            guard let start = burstStart, let published = burstPublished, let final = finalFrame else { return }
            latencies.append((final - start, max(0, final - published)))
            burstStart = nil
        }
    }

    private let state = Mutex(State())

    func burstStarted(at time: Double, healthy: Int) {
        state.withLock {
            $0.burstStart = time
            $0.burstPublished = nil
            $0.finalFrame = nil
            $0.expectedHealthy = healthy
        }
    }

    func burstPublished(at time: Double) {
        state.withLock {
            $0.burstPublished = time
            $0.settle()
        }
    }

    func record(_ frame: Frame, at time: Double) {
        state.withLock { state in
            if state.firstFrameRealtime == nil {
                var spec = timespec()
                clock_gettime(CLOCK_REALTIME, &spec)
                state.firstFrameRealtime = Int(spec.tv_sec) * 1_000_000_000 + Int(spec.tv_nsec)
            }
            state.frames.append(time)
            guard state.burstStart != nil, state.finalFrame == nil, let header = frame.text.first,
                header.contains(" \(state.expectedHealthy) healthy")
            else { return }
            // The final state is on screen once the header counts every server at its new level.
            state.finalFrame = time
            state.settle()
        }
    }

    func report(servers: Int) {
        let state = self.state.withLock { $0 }
        print("servers: \(servers), frames: \(state.frames.count)")
        if let first = state.firstFrameRealtime { print("first frame at realtime ns: \(first)") }
        var maxPerSecond = 0
        var lo = 0
        for hi in state.frames.indices {
            while state.frames[hi] - state.frames[lo] >= 1 { lo += 1 }
            maxPerSecond = max(maxPerSecond, hi - lo + 1)
        }
        let gaps = zip(state.frames.dropFirst(), state.frames).map { $0 - $1 }
        print("most frames in any 1 s window: \(maxPerSecond)")
        if let shortest = gaps.min() { print(String(format: "shortest gap between frames: %.1f ms", shortest * 1000)) }
        for (i, latency) in state.latencies.enumerated() {
            print(
                String(
                    format:
                        "burst %d: final state painted %.1f ms after the burst began, %.1f ms after its last status",
                    i + 1, latency.fromStart * 1000, latency.fromLast * 1000))
        }
    }
}

/// Answers after 50 ms: a fresh token, but one request in five fails with a 503.
struct FlakyRefresher: TokenRefresher {
    var lifetime: TimeInterval

    func refresh(_ request: RefreshRequest) async throws -> TokenResponse {
        try await Task.sleep(for: .milliseconds(50))
        if Int.random(in: 0..<5) == 0 {
            throw TokenEndpointError(kind: .http, status: 503, detail: "HTML page of 118 bytes")
        }
        return TokenResponse(accessToken: "at", refreshToken: request.refreshToken, expiresIn: lifetime)
    }
}
