import Dashboard
import Foundation
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
///   --scenario startup quit after the first frame; prints its CLOCK_REALTIME time in nanoseconds
struct DashboardBench {
    var servers: Int
    var scenario: String

    func run() async throws -> Int32 {
        let now = Date()
        let lifetime: TimeInterval? = scenario == "live" ? 20 : scenario == "idle" || scenario == "startup" ? nil : 3600
        let client = ClientRegistration(tokenEndpoint: "http://127.0.0.1:9/token", clientID: "bench")
        let sessions = (0..<servers).map { index in
            StoredSession(
                server: name(index), accessToken: "at-\(index)",
                refreshToken: scenario == "burst" ? nil : "rt-\(index)", issuedAt: now.addingTimeInterval(-Double(index % 7)),
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
                    // Every server at once: with a refresh token (healthy) on odd rounds, without (degraded) on even.
                    let issued = Date()
                    recorder.burstStarted(at: DashboardBench.monotonic(), healthy: round % 2 == 1 ? servers : 0)
                    for index in 0..<servers {
                        try? await engine.adopt(
                            StoredSession(
                                server: name(index), accessToken: "at-\(round)-\(index)",
                                refreshToken: round % 2 == 1 ? "rt-\(round)" : nil, issuedAt: issued,
                                expiresAt: issued.addingTimeInterval(3600), client: client))
                    }
                    recorder.burstPublished(at: DashboardBench.monotonic())
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
        var expectedHealthy = 0
        var latencies: [(fromStart: Double, fromLast: Double)] = []
    }

    private let state = Mutex(State())

    func burstStarted(at time: Double, healthy: Int) {
        state.withLock {
            $0.burstStart = time
            $0.burstPublished = nil
            $0.expectedHealthy = healthy
        }
    }

    func burstPublished(at time: Double) { state.withLock { $0.burstPublished = time } }

    func record(_ frame: Frame, at time: Double) {
        state.withLock { state in
            if state.firstFrameRealtime == nil {
                var spec = timespec()
                clock_gettime(CLOCK_REALTIME, &spec)
                state.firstFrameRealtime = Int(spec.tv_sec) * 1_000_000_000 + Int(spec.tv_nsec)
            }
            state.frames.append(time)
            guard let start = state.burstStart, let header = frame.text.first,
                header.contains(" \(state.expectedHealthy) healthy")
            else { return }
            // The final state is on screen once every server shows the new level (and all statuses are out).
            if let published = state.burstPublished {
                state.latencies.append((time - start, time - published))
                state.burstStart = nil
            }
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
                    format: "burst %d: final state painted %.1f ms after the burst began, %.1f ms after its last status",
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
