import AtRest
import Foundation
import Logging
import OAuth
import RefreshEngine
import TokenStore

/// `oauthtop-bench store`: what the SQLite store costs (synchronous=FULL, so every commit waits for the disk),
/// each figure next to raw `fsync` on the same disk, and the restart-recovery target of issue 3: 200 servers
/// whose tokens expired while oauthtop was down are all healthy within 2 s of start.
struct StoreBench {
    /// The folder the benchmark's store lives in; a fresh subfolder is made and removed.
    var parent: String
    var commits = 100
    var recoveryServers = 200
    /// Tokens sealed as oauthtop seals them (AES-GCM), under a key that lives only in this run.
    private let cipher = StoreCipher.ephemeral()

    func run() async throws {
        let folder = (parent as NSString).appendingPathComponent("oauthtop-bench-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        print("oauthtop-bench store: files in \(folder) (WAL, synchronous=FULL)")
        let fsync = try rawFsync(in: folder, count: commits)
        print(
            String(
                format: "baseline: append 4 KiB + fsync: median %.2f ms, p95 %.2f ms (%d writes)", fsync.median * 1e3,
                fsync.p95 * 1e3, commits))
        try await singleCommits(in: folder, fsync: fsync)
        try await batches(in: folder, fsync: fsync)
        try await leaseAndCommit(in: folder, count: 200, fsync: fsync)
        for latency in [0.0, 0.05] {
            try await restartRecovery(in: folder, latency: latency)
        }
    }

    private func session(_ index: Int, issuedAt: Date, lifetime: TimeInterval = 3600) -> StoredSession {
        StoredSession(
            server: "server-\(index)", accessToken: "at-\(index)-\(UUID().uuidString)",
            refreshToken: "rt-\(index)-\(UUID().uuidString)", scope: "mcp", issuedAt: issuedAt,
            expiresAt: issuedAt.addingTimeInterval(lifetime),
            client: ClientRegistration(tokenEndpoint: "http://127.0.0.1:9/token", clientID: "bench"))
    }

    /// One `commit` (session upsert + lease delete, one transaction, one WAL fsync).
    private func singleCommits(in folder: String, fsync: Samples) async throws {
        let store = try SQLiteTokenStore(path: folder + "/commit.sqlite", sealing: cipher)
        let now = Date()
        // A commit stores a refresh of a session that exists (a logout in between wins over it).
        for index in 0..<10 { try await store.save(session(index, issuedAt: now)) }
        var samples: [Double] = []
        for index in 0..<commits {
            let renewed = session(index % 10, issuedAt: now)
            let started = ContinuousClock.now
            try await store.commit(renewed, releasingLeaseOf: "bench")
            samples.append((ContinuousClock.now - started).seconds)
        }
        let result = Samples(samples)
        print(
            String(
                format: "commit (one session, durable): median %.2f ms, p95 %.2f ms, mean %.2f ms over %d; "
                    + "ratio to raw fsync %.1fx",
                result.median * 1e3, result.p95 * 1e3, result.mean * 1e3, commits, result.median / fsync.median))
    }

    /// `saveRefreshStates` in one transaction, against one `saveRefreshState` (one transaction) per server.
    private func batches(in folder: String, fsync: Samples) async throws {
        let store = try SQLiteTokenStore(path: folder + "/batch.sqlite", sealing: cipher)
        let now = Date()
        func states(_ count: Int, _ state: String) -> [String: StoredRefreshState] {
            Dictionary(
                uniqueKeysWithValues: (0..<count).map {
                    ("server-\($0)", StoredRefreshState(state: state, nextAttempt: now.addingTimeInterval(Double($0))))
                })
        }
        let few = states(200, "idle")
        var started = ContinuousClock.now
        for (server, state) in few { try await store.saveRefreshState(state, for: server) }
        let oneByOne = (ContinuousClock.now - started).seconds
        for (count, state) in [(200, "scheduled"), (10_000, "scheduled"), (10_000, "retrying")] {
            let batch = states(count, state)
            started = ContinuousClock.now
            try await store.saveRefreshStates(batch)
            let elapsed = (ContinuousClock.now - started).seconds
            let baseline = count == 200 ? String(format: "; baseline 200 x saveRefreshState %.3f s", oneByOne) : ""
            print(
                String(
                    format: "saveRefreshStates %d entries, one transaction: %.3f s (%.1f µs per entry)%@",
                    count, elapsed, elapsed / Double(count) * 1e6, baseline))
        }
    }

    /// The engine's durable path per server, one after another: take the lease, then commit the new tokens.
    private func leaseAndCommit(in folder: String, count: Int, fsync: Samples) async throws {
        let store = try SQLiteTokenStore(path: folder + "/lease.sqlite", sealing: cipher)
        let now = Date()
        let sessions = (0..<count).map { session($0, issuedAt: now.addingTimeInterval(-7200)) }
        for stored in sessions { try await store.save(stored) }
        let started = ContinuousClock.now
        for stored in sessions {
            guard
                case .acquired = try await store.acquireLease(
                    for: stored.server, owner: "bench", until: now.addingTimeInterval(35), now: now)
            else { fatalError("lease unexpectedly held") }
            var renewed = stored
            renewed.accessToken += "-renewed"
            renewed.issuedAt = now
            renewed.expiresAt = now.addingTimeInterval(3600)
            try await store.commit(renewed, releasingLeaseOf: "bench")
        }
        let elapsed = (ContinuousClock.now - started).seconds
        print(
            String(
                format: "acquireLease + commit, %d sessions one after another: %.3f s (%.2f ms per session); "
                    + "baseline %d raw fsyncs %.3f s",
                count, elapsed, elapsed / Double(count) * 1e3, 2 * count, 2 * Double(count) * fsync.median))
    }

    /// Target: `recoveryServers` sessions that expired while oauthtop was down are all refreshed and healthy
    /// within 2 s of the engine starting on the SQLite store, the token endpoint answering after `latency` s.
    private func restartRecovery(in folder: String, latency: Double) async throws {
        let path = folder + "/recovery-\(Int(latency * 1000)).sqlite"
        let now = Date()
        do {
            let seed = try SQLiteTokenStore(path: path, sealing: cipher)
            for index in 0..<recoveryServers {
                try await seed.save(session(index, issuedAt: now.addingTimeInterval(-7200)))
            }
        }
        var logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        logger.logLevel = .critical
        let started = ContinuousClock.now
        let store = try SQLiteTokenStore(path: path, sealing: cipher)
        let engine = RefreshEngine(
            servers: (0..<recoveryServers).map {
                ServerDefinition(name: "server-\($0)", url: "http://127.0.0.1:9/mcp")
            },
            store: store, refresher: SlowRefresher(latency: latency), logger: logger)
        let loop = Task { try await engine.run() }
        var healthy = 0
        while healthy < recoveryServers, (ContinuousClock.now - started).seconds < 30 {
            try await Task.sleep(for: .milliseconds(2))
            healthy = await engine.snapshot().filter { $0.health.level == .healthy && $0.lastRefreshAt != nil }.count
        }
        let elapsed = (ContinuousClock.now - started).seconds
        loop.cancel()
        _ = try? await loop.value
        let parallel = RefreshPolicy().maxParallel
        let floor = (Double(recoveryServers) / Double(parallel)).rounded(.up) * latency
        print(
            String(
                format: "restart recovery (open store + start + refresh), %d expired servers, endpoint latency "
                    + "%.0f ms: %d healthy after %.3f s; baseline (latency alone at max_parallel %d) %.3f s",
                recoveryServers, latency * 1e3, healthy, elapsed, parallel, floor))
        print("  target: all healthy within 2 s -> \(healthy == recoveryServers && elapsed < 2 ? "met" : "NOT met")")
    }

    /// `count` appends of 4 KiB, each followed by `fsync`: what the disk costs without SQLite.
    private func rawFsync(in folder: String, count: Int) throws -> Samples {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/fsync.bin"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer {
            close(descriptor)
            unlink(path)
        }
        let page = [UInt8](repeating: 0xA5, count: 4096)
        var samples: [Double] = []
        for _ in 0..<count {
            let started = ContinuousClock.now
            guard write(descriptor, page, page.count) == page.count, fsync(descriptor) == 0 else {
                throw CocoaError(.fileWriteUnknown)
            }
            samples.append((ContinuousClock.now - started).seconds)
        }
        return Samples(samples)
    }
}

/// A token endpoint that answers after `latency` seconds with a fresh one-hour token, rotating the refresh token.
struct SlowRefresher: TokenRefresher {
    var latency: Double

    func refresh(_ request: RefreshRequest) async throws -> TokenResponse {
        if latency > 0 { try await Task.sleep(for: .seconds(latency)) }
        return TokenResponse(
            accessToken: "at-\(UUID().uuidString)", refreshToken: "rt-\(UUID().uuidString)", expiresIn: 3600)
    }
}

/// Durations in seconds, summarised.
struct Samples {
    var sorted: [Double]

    init(_ values: [Double]) { sorted = values.sorted() }

    var median: Double { sorted.isEmpty ? 0 : sorted[sorted.count / 2] }
    var p95: Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.95))] }
    var mean: Double { sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count) }
}
