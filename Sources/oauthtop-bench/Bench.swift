import Foundation
import Logging
import OAuth
import RefreshEngine
import TokenStore

/// `oauthtop-bench engine`: the engine's targets from issue 2, each printed next to a baseline measured in the
/// same run.
@main
enum Bench {
    static func main() async throws {
        let arguments = CommandLine.arguments.dropFirst()
        if arguments.first == "store" {
            let folder = string(after: "--dir", in: arguments) ?? FileManager.default.temporaryDirectory.path
            try await StoreBench(parent: folder).run()
            return
        }
        if arguments.first == "engine-load" {
            // Child process of the load benchmark, so resident memory is measured in a clean process.
            let servers = value(after: "--servers", in: arguments) ?? 10_000
            try await EngineBench(servers: servers, refreshes: 0).loadChild(
                withEngine: !arguments.contains("--no-engine"))
            return
        }
        if arguments.first == "dashboard" {
            let servers = value(after: "--servers", in: arguments) ?? 100
            let scenario = string(after: "--scenario", in: arguments) ?? "live"
            exit(try await DashboardBench(servers: servers, scenario: scenario).run())
        }
        guard arguments.first == "engine" else {
            print("usage: oauthtop-bench engine [--servers N] [--refreshes N]")
            print("       oauthtop-bench store [--dir FOLDER]")
            print("       oauthtop-bench dashboard [--servers N] [--scenario idle|burst|live|startup|storm|render]")
            exit(2)
        }
        let servers = value(after: "--servers", in: arguments) ?? 10_000
        let refreshes = value(after: "--refreshes", in: arguments) ?? 20_000
        try await EngineBench(servers: servers, refreshes: refreshes).run()
    }

    private static func value(after flag: String, in arguments: ArraySlice<String>) -> Int? {
        string(after: flag, in: arguments).flatMap { Int($0) }
    }

    private static func string(after flag: String, in arguments: ArraySlice<String>) -> String? {
        guard let index = arguments.firstIndex(of: flag), arguments.index(after: index) < arguments.endIndex else {
            return nil
        }
        return arguments[arguments.index(after: index)]
    }
}

/// Answers every refresh at once with a fresh one-hour token.
struct InstantRefresher: TokenRefresher {
    func refresh(_ request: RefreshRequest) async throws -> TokenResponse {
        TokenResponse(accessToken: "at", refreshToken: request.refreshToken, expiresIn: 3600)
    }
}

struct EngineBench {
    var servers: Int
    var refreshes: Int

    func run() async throws {
        print("oauthtop-bench engine: \(servers) servers, \(refreshes) forced refreshes")
        try await loadAndSchedule()
        try await refreshOverhead()
        try await wakeups()
    }

    private func sessions(at now: Date, lifetime: TimeInterval) -> [StoredSession] {
        let client = ClientRegistration(tokenEndpoint: "http://127.0.0.1:9/token", clientID: "bench")
        return (0..<servers).map { index in
            // Issued over the last hour, so proactive times spread out.
            let issued = now.addingTimeInterval(-Double(index % 3600))
            return StoredSession(
                server: "server-\(index)", accessToken: "at-\(index)", refreshToken: "rt-\(index)", issuedAt: issued,
                expiresAt: issued.addingTimeInterval(lifetime), client: client)
        }
    }

    private var definitions: [ServerDefinition] {
        (0..<servers).map { ServerDefinition(name: "server-\($0)", url: "http://127.0.0.1:9/mcp") }
    }

    private func silentLogger() -> Logger {
        var logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        logger.logLevel = .critical
        return logger
    }

    /// Target: 10,000 servers loaded and scheduled in under 1 s with under 60 MB resident. Each side runs in a
    /// fresh child process: the baseline builds the same sessions and store without an engine.
    private func loadAndSchedule() async throws {
        let baseline = try child(["--no-engine"])
        let engine = try child([])
        print(
            String(
                format:
                    "load+schedule: %d servers loaded and scheduled in %.3f s, process resident %.1f MB (peak %.1f MB); "
                    + "baseline (same sessions and store, no engine) %.1f MB resident; engine share %.1f MB",
                servers, engine.seconds, engine.rss, engine.peak, baseline.rss, engine.rss - baseline.rss))
        let met = engine.seconds < 1 && engine.peak < 60
        print("  target: under 1 s and under 60 MB resident (peak) -> \(met ? "met" : "NOT met")")
    }

    private func child(_ extra: [String]) throws -> (seconds: Double, rss: Double, peak: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["engine-load", "--servers", "\(servers)"] + extra
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let fields = text.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        guard fields.count == 3 else { fatalError("engine-load child printed \(text)") }
        return (fields[0], fields[1], fields[2])
    }

    /// Prints "seconds rss_mb peak_mb" for loading and scheduling `servers` sessions (or only building them).
    func loadChild(withEngine: Bool) async throws {
        let now = Date()
        let store = InMemoryTokenStore(sessions: sessions(at: now, lifetime: 86_400))
        let started = ContinuousClock.now
        var engine: RefreshEngine?
        if withEngine {
            engine = RefreshEngine(
                servers: definitions, store: store, refresher: InstantRefresher(), clock: VirtualClock(start: now),
                logger: silentLogger())
            try await engine?.start()
        }
        let elapsed = ContinuousClock.now - started
        let rss = memory("VmRSS:"), peak = memory("VmHWM:")
        if let engine {
            let last = try await engine.status(of: "server-\(servers - 1)")
            precondition(last.refreshState == .scheduled, "the last server is not scheduled")
        }
        print(String(format: "%.4f %.1f %.1f", elapsed.seconds, rss, peak))
        withExtendedLifetime(engine) {}
    }

    /// Target: engine overhead per refresh under 50 µs against a refresher that answers at once.
    private func refreshOverhead() async throws {
        let now = Date()
        let stored = sessions(at: now, lifetime: 86_400)
        let refresher = InstantRefresher()
        let request = RefreshRequest(
            tokenEndpoint: URL(string: "http://127.0.0.1:9/token")!, refreshToken: "rt", clientID: "bench")

        let baselineStart = ContinuousClock.now
        for _ in 0..<refreshes { _ = try await refresher.refresh(request) }
        let baseline = ContinuousClock.now - baselineStart

        let engine = RefreshEngine(
            servers: definitions, store: InMemoryTokenStore(sessions: stored), refresher: refresher,
            clock: VirtualClock(start: now), policy: RefreshPolicy(minAttemptInterval: 0), logger: silentLogger())
        try await engine.start()
        let started = ContinuousClock.now
        for index in 0..<refreshes {
            guard case .refreshed = try await engine.refresh("server-\(index % servers)") else {
                fatalError("refresh failed in the benchmark")
            }
        }
        let elapsed = ContinuousClock.now - started
        let perRefresh = (elapsed - baseline).seconds / Double(refreshes) * 1e6
        print(
            String(
                format: "refresh overhead: %.1f µs per refresh (%d refreshes in %.3f s; baseline direct calls %.3f s; "
                    + "ratio %.0fx)",
                perRefresh, refreshes, elapsed.seconds, baseline.seconds, elapsed.seconds / max(baseline.seconds, 1e-9))
        )
        print("  target: under 50 µs -> \(perRefresh < 50 ? "met" : "NOT met")")
    }

    /// Target: no wake-ups between deadlines other than the 30 s re-check. Over simulated time with no deadline,
    /// the loop must wake exactly once per 30 s; the baseline is simulated seconds / 30.
    private func wakeups() async throws {
        let now = Date()
        let clock = VirtualClock(start: now)
        let engine = RefreshEngine(
            servers: definitions, store: InMemoryTokenStore(sessions: sessions(at: now, lifetime: 86_400 * 2)),
            refresher: InstantRefresher(), clock: clock, logger: silentLogger())
        let loop = Task { try await engine.run() }
        while clock.now.timeIntervalSince(now) < 3600 { await Task.yield() }
        loop.cancel()
        _ = try? await loop.value
        let simulated = clock.now.timeIntervalSince(now)
        let stats = clock.sleepStats
        let expected = Int((simulated / 30).rounded(.down))
        print(
            String(
                format: "wake-ups over %.0f simulated s without deadlines: %d sleeps, longest %.0f s; baseline "
                    + "(simulated s / 30 s re-check) %d; ratio %.2f",
                simulated, stats.count, stats.longest, expected, Double(stats.count) / Double(max(expected, 1))))
        let met = stats.count <= expected + 1 && stats.longest <= 30
        print("  target: no wake-ups beyond the 30 s re-check -> \(met ? "met" : "NOT met")")
    }

    private func memory(_ field: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) })
        else { return 0 }
        let kilobytes = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Double($0) }
        return (kilobytes ?? 0) / 1024
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
