import FlyingFox
import FlyingSocks
import Foundation
import Prometheus

/// Serves the registry as Prometheus text at `GET /metrics`, on a loopback address only.
public struct MetricsServer: Sendable {
    public let server: HTTPServer

    public struct AddressError: Error, CustomStringConvertible {
        public var address: String
        public var description: String {
            "metrics listen address '\(address)' must be 127.0.0.1:PORT (loopback only; PORT 0 picks a free one)"
        }
    }

    /// `listen` is `127.0.0.1:PORT`; other hosts are refused so tokens' metadata never leaves the machine.
    public init(listen: String, registry: PrometheusCollectorRegistry) async throws {
        let parts = listen.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "127.0.0.1" || parts[0] == "localhost", let port = UInt16(parts[1]) else {
            throw AddressError(address: listen)
        }
        server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: port), timeout: 10, logger: .disabled)
        await server.appendRoute("GET /metrics") { _ in
            HTTPResponse(
                statusCode: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: Data(registry.emitToBuffer()))
        }
    }

    /// Serves until the task is cancelled.
    public func run() async throws { try await server.run() }

    /// The bound port, once listening.
    public func port() async throws -> UInt16 {
        try await server.waitUntilListening()
        guard case .ip4(_, let port)? = await server.listeningAddress else { return 0 }
        return port
    }
}
