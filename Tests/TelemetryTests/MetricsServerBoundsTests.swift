import CoreMetrics
import Foundation
import LoopbackHTTP
import OAuthTopTesting
import Prometheus
import Testing

@testable import Telemetry

/// `/metrics` under junk (docs/security.md, "Loopback servers"): raw sockets against the real server.
@Suite struct MetricsServerBoundsTests {
    static func serving() async throws -> (MetricsServer, Task<Void, any Error>, UInt16) {
        let registry = PrometheusCollectorRegistry()
        Counter(label: "oauthtop_test_total", factory: PrometheusMetricsFactory(registry: registry)).increment()
        let limits = RequestLimits(
            headBytes: 16 * 1024, headTime: .milliseconds(300), handlerTime: .seconds(5), waitingConnections: 8)
        let server = try await MetricsServer(listen: "127.0.0.1:0", registry: registry, limits: limits)
        let task = Task { try await server.run() }
        return (server, task, try await server.port())
    }

    @Test func theRightHostGetsTheMetrics() async throws {
        let (_, task, port) = try await Self.serving()
        defer { task.cancel() }
        for host in ["127.0.0.1:\(port)", "localhost:\(port)"] {
            let answer = try await RawConnection.exchange(
                port: port, "GET /metrics HTTP/1.1\r\nHost: \(host)\r\n\r\n", for: .seconds(10))
            #expect(answer.text.hasPrefix("HTTP/1.1 200 ") && answer.text.contains("oauthtop_test_total 1"))
        }
    }

    @Test func aWrongHostGetsNoMetrics() async throws {
        let (_, task, port) = try await Self.serving()
        defer { task.cancel() }
        for host in ["Host: rebind.example:\(port)", "Host: 127.0.0.1", "Host: [::1]:\(port)", "Accept: */*"] {
            let answer = try await RawConnection.exchange(
                port: port, "GET /metrics HTTP/1.1\r\n\(host)\r\n\r\n", for: .seconds(10))
            #expect(answer.text.hasPrefix("HTTP/1.1 421 "), "\(host): \(answer.text.prefix(80))")
            #expect(!answer.text.contains("oauthtop_test_total"), "\(host): no data")
        }
    }

    @Test func anOversizedHeadIsRefusedAndClosed() async throws {
        let (_, task, port) = try await Self.serving()
        defer { task.cancel() }
        let junk = String(repeating: "b", count: 20_000)
        let headers = try await RawConnection.exchange(
            port: port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nX-Junk: \(junk)\r\n\r\n", for: .seconds(10)
        )
        #expect(headers.closed)
        #expect(!headers.text.contains("oauthtop_test_total"))
        #expect(headers.text.isEmpty || headers.text.hasPrefix("HTTP/1.1 431 "), "\(headers.text.prefix(80))")
        let line = try await RawConnection.exchange(port: port, "GET /metrics?\(junk)\(junk)", for: .seconds(10))
        #expect(line.closed)
        let body = try await RawConnection.exchange(
            port: port, "POST /metrics HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: 5\r\n\r\nhello",
            for: .seconds(10))
        #expect(body.text.hasPrefix("HTTP/1.1 413 ") && !body.text.contains("oauthtop_test_total"))
    }

    @Test func halfARequestIsCutOffWithinTheLimit() async throws {
        let (_, task, port) = try await Self.serving()
        defer { task.cancel() }
        let half = try await RawConnection.exchange(
            port: port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n", for: .seconds(10))
        #expect(half.closed, "a stalled client is cut off")
        #expect(half.elapsed < .seconds(8), "the limit is 300 ms; the rest is slack for a loaded machine")
        #expect(half.text.isEmpty)
    }
}
