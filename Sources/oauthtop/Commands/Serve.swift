import ArgumentParser
import Dispatch
import Foundation
import Health
import Metrics
import Prometheus
import RefreshEngine
import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

extension OAuthTop {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the refresh engine without a screen; serve Prometheus metrics; stop on SIGTERM or SIGINT.")

        @OptionGroup var global: GlobalOptions

        @Option(help: "Serve metrics at http://ADDR/metrics; ADDR is 127.0.0.1:PORT (PORT 0 picks a free one).")
        var metricsListen: String?

        @Flag(help: "No desktop notifications when a server needs a sign-in (config: \"notifications\": false).")
        var noNotify = false

        func run() async throws {
            let runtime = try Runtime.open(global)
            let listen = metricsListen ?? runtime.config.metricsListen
            if let listen, !ConfigLoader.isLoopbackListen(listen) {
                throw fail(.usage, "--metrics-listen must be 127.0.0.1:PORT (got \(listen))")
            }
            let registry = PrometheusCollectorRegistry()
            let factory = PrometheusMetricsFactory.oauthtop(registry: registry)
            let engine = runtime.engine(metrics: factory, probes: true)
            let (stopSignals, signalSources) = StopSignals.install()
            defer { withExtendedLifetime(signalSources) {} }
            // The stored sessions are loaded before the notifier reads its first statuses.
            try await engine.start()
            let notifier = DesktopNotifier.start(
                following: engine, enabled: !noNotify && runtime.config.notifications, logger: runtime.logger)
            defer { notifier?.cancel() }

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await engine.run() }
                group.addTask { await ServerGauges(factory: factory).follow(engine.statusBatches) }
                if let listen {
                    let server = try await MetricsServer(listen: listen, registry: registry)
                    group.addTask { try await server.run() }
                    let port = try await server.port()
                    print("metrics: http://127.0.0.1:\(port)/metrics")
                }
                print("serving \(runtime.config.servers.count) servers; log: \(runtime.paths.log)")
                fflush(nil)
                group.addTask {
                    var number: Int32 = 0
                    for await received in stopSignals {
                        number = received
                        break
                    }
                    runtime.logger.info("oauthtop serve stopping", metadata: ["signal": "\(number)"])
                }
                // The first task to end is the stop signal, or the engine failing to start.
                defer { group.cancelAll() }
                try await group.next()
                // The scheduler stops first, so that nothing new starts; then refreshes on the wire end (each within
                // request_timeout): one abandoned after the provider rotated the token would cost the session.
                group.cancelAll()
                await engine.shutdown()
                await engine.waitForIdle()
            }
        }
    }
}

/// SIGINT and SIGTERM as an async stream, so `serve` can stop cleanly instead of being killed.
enum StopSignals {
    /// Keep the returned sources alive for as long as you listen.
    static func install() -> (AsyncStream<Int32>, [any DispatchSourceSignal]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let queue = DispatchQueue(label: "oauthtop.signals")
        let sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        return (stream, sources)
    }
}

/// oauthtop's own gauges: `oauthtop_token_expires_at_seconds{server}` and `oauthtop_servers{level}`.
struct ServerGauges {
    let factory: any MetricsFactory

    /// Keeps `oauthtop_token_expires_at_seconds{server}` and `oauthtop_servers{level}` current, a batch of statuses
    /// at a time; the level counts are kept as they change, not recounted over every server for every status.
    func follow(_ batches: AsyncStream<[ServerStatus]>) async {
        var levels: [String: HealthLevel] = [:]
        var counts: [HealthLevel: Int] = [:]
        for await batch in batches {
            for status in batch {
                if let expiresAt = status.expiresAt {
                    Gauge(
                        label: "oauthtop_token_expires_at_seconds", dimensions: [("server", status.name)],
                        factory: factory
                    )
                    .record(expiresAt.timeIntervalSince1970)
                }
                if let previous = levels[status.name] { counts[previous, default: 0] -= 1 }
                levels[status.name] = status.health.level
                counts[status.health.level, default: 0] += 1
            }
            for level in HealthLevel.allCases {
                Gauge(label: "oauthtop_servers", dimensions: [("level", level.rawValue)], factory: factory)
                    .record(counts[level] ?? 0)
            }
        }
    }
}
