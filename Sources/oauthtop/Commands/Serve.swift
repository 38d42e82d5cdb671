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

        func run() async throws {
            let runtime = try Runtime.open(global)
            let listen = metricsListen ?? runtime.config.metricsListen
            if let listen, !ConfigLoader.isLoopbackListen(listen) {
                throw fail(.usage, "--metrics-listen must be 127.0.0.1:PORT (got \(listen))")
            }
            let registry = PrometheusCollectorRegistry()
            let factory = PrometheusMetricsFactory.oauthtop(registry: registry)
            let engine = runtime.engine(metrics: factory)
            let stop = StopSignal()

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await engine.run() }
                group.addTask { await ServerGauges(factory: factory).follow(engine.statuses) }
                if let listen {
                    let server = try await MetricsServer(listen: listen, registry: registry)
                    group.addTask { try await server.run() }
                    let port = try await server.port()
                    print("metrics: http://127.0.0.1:\(port)/metrics")
                }
                print("serving \(runtime.config.servers.count) servers; log: \(runtime.paths.log)")
                fflush(stdout)
                group.addTask {
                    let number = await stop.wait()
                    runtime.logger.info("oauthtop serve stopping", metadata: ["signal": "\(number)"])
                }
                // The first task to end is the stop signal, or the engine failing to start.
                defer { group.cancelAll() }
                try await group.next()
                await engine.shutdown()
            }
        }
    }
}

/// Waits for SIGINT or SIGTERM without letting them kill the process, so `serve` can stop cleanly.
final class StopSignal: Sendable {
    private let sources: [any DispatchSourceSignal]
    private let stream: AsyncStream<Int32>
    private let continuation: AsyncStream<Int32>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let queue = DispatchQueue(label: "oauthtop.signals")
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            let continuation = self.continuation
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func wait() async -> Int32 {
        for await number in stream { return number }
        return 0
    }
}

/// oauthtop's own gauges: `oauthtop_token_expires_at_seconds{server}` and `oauthtop_servers{level}`.
struct ServerGauges {
    let factory: any MetricsFactory

    func follow(_ statuses: AsyncStream<ServerStatus>) async {
        var levels: [String: HealthLevel] = [:]
        for await status in statuses {
            if let expiresAt = status.expiresAt {
                Gauge(label: "oauthtop_token_expires_at_seconds", dimensions: [("server", status.name)], factory: factory)
                    .record(expiresAt.timeIntervalSince1970)
            }
            levels[status.name] = status.health.level
            for level in HealthLevel.allCases {
                Gauge(label: "oauthtop_servers", dimensions: [("level", level.rawValue)], factory: factory)
                    .record(levels.values.filter { $0 == level }.count)
            }
        }
    }
}
