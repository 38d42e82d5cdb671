import FlyingFox
import Foundation
import LoopbackHTTP
import Prometheus

/// Serves the registry as Prometheus text at `GET /metrics`, on a loopback address only, through
/// `LoopbackHTTPServer`: a head over 16 KiB or slower than 10 s is cut off, and a `Host` other than
/// 127.0.0.1:PORT or localhost:PORT (a web page using DNS rebinding) gets 421 and no metrics.
public struct MetricsServer: Sendable {
    public let server: LoopbackHTTPServer

    public struct AddressError: Error, CustomStringConvertible {
        public var address: String
        public var description: String {
            "metrics listen address '\(address)' must be 127.0.0.1:PORT (loopback only; PORT 0 picks a free one)"
        }
    }

    /// `listen` is `127.0.0.1:PORT`; other hosts are refused so tokens' metadata never leaves the machine.
    /// Binds at once; `limits` are standard unless a test injects short ones.
    public init(listen: String, registry: PrometheusCollectorRegistry, limits: RequestLimits = .standard()) async throws
    {
        let parts = listen.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "127.0.0.1" || parts[0] == "localhost", let port = UInt16(parts[1]) else {
            throw AddressError(address: listen)
        }
        var routes = RoutedHTTPHandler()
        routes.appendRoute("GET /metrics") { _ in
            HTTPResponse(
                statusCode: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: Data(registry.emitToBuffer()))
        }
        server = try LoopbackHTTPServer(port: port, limits: limits, handler: routes)
    }

    /// Serves until the task is cancelled.
    public func run() async throws { try await server.run() }

    /// The bound port, once listening.
    public func port() async throws -> UInt16 { server.port }
}
