import CoreMetrics
import Foundation
import Prometheus
import Testing

@testable import Telemetry

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite struct MetricsTests {
    @Test func refreshMetricsUseMcpproxyNamesAndBuckets() {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory.oauthtop(registry: registry)
        let dimensions = [("server", "jira"), ("result", "success")]
        Counter(label: "mcpproxy_oauth_refresh_total", dimensions: dimensions, factory: factory).increment()
        CoreMetrics.Timer(label: "mcpproxy_oauth_refresh_duration_seconds", dimensions: dimensions, factory: factory)
            .recordNanoseconds(300_000_000)
        let text = registry.emitToString()
        #expect(text.contains(#"mcpproxy_oauth_refresh_total{server="jira",result="success"} 1"#))
        #expect(
            text.contains(#"mcpproxy_oauth_refresh_duration_seconds_bucket{server="jira",result="success",le="0.1"} 0"#)
        )
        #expect(
            text.contains(#"mcpproxy_oauth_refresh_duration_seconds_bucket{server="jira",result="success",le="0.5"} 1"#)
        )
        #expect(text.contains(#"le="30.0"} 1"#))
        #expect(text.contains(#"mcpproxy_oauth_refresh_duration_seconds_count{server="jira",result="success"} 1"#))
    }

    @Test func metricsServerAnswersOnLoopback() async throws {
        let registry = PrometheusCollectorRegistry()
        Counter(label: "oauthtop_test_total", factory: PrometheusMetricsFactory(registry: registry)).increment()
        let server = try await MetricsServer(listen: "127.0.0.1:0", registry: registry)
        let task = Task { try await server.run() }
        defer { task.cancel() }
        let port = Int(try await server.port())
        #expect(Self.ephemeralPorts().contains(port), "the kernel chose it")
        #expect(Self.listeningAddresses(port: port) == ["127.0.0.1"], "listening on loopback only")
        // The port is the one that answers, with this registry's counter.
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self).contains("oauthtop_test_total 1"))
    }

    /// The kernel's range for ephemeral ports (Linux: /proc/sys/net/ipv4/ip_local_port_range).
    static func ephemeralPorts() -> ClosedRange<Int> {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let bounds = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        return bounds.count == 2 ? bounds[0]...bounds[1] : 1024...65535
    }

    /// The IPv4 addresses of the sockets listening on `port` (Linux: /proc/net/tcp; state 0A is LISTEN).
    static func listeningAddresses(port: Int) -> [String] {
        // Read to the end: String(contentsOfFile:) stops after the first page of a /proc file.
        let data = (try? FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/net/tcp")).readToEnd()) ?? nil
        let table = String(decoding: data ?? Data(), as: UTF8.self)
        return table.split(separator: "\n").dropFirst().compactMap { row in
            let fields = row.split(separator: " ")
            guard fields.count > 3, fields[3] == "0A" else { return nil }
            let local = fields[1].split(separator: ":")
            guard local.count == 2, Int(local[1], radix: 16) == port, let address = UInt32(local[0], radix: 16)
            else { return nil }
            // Little-endian hex of the address: 0100007F is 127.0.0.1.
            return (0..<4).map { "\((address >> ($0 * 8)) & 0xFF)" }.joined(separator: ".")
        }
    }

    @Test(arguments: ["0.0.0.0:9090", "192.168.1.5:80", "9090", "127.0.0.1:http"])
    func metricsServerRefusesNonLoopbackAddresses(listen: String) async {
        let error = await #expect(throws: MetricsServer.AddressError.self) {
            _ = try await MetricsServer(listen: listen, registry: PrometheusCollectorRegistry())
        }
        #expect(
            error?.description
                == "metrics listen address '\(listen)' must be 127.0.0.1:PORT (loopback only; PORT 0 picks a free one)")
    }
}
