import FlyingFox
import FlyingSocks
import Foundation
import Synchronization

/// An HTTP/1.1 server on 127.0.0.1 that bounds what a client can cost (docs/security.md, "Loopback servers"): the
/// request line and headers within `RequestLimits.headBytes` and `headTime`, no bodies, one request per connection,
/// a `Host` of `127.0.0.1:PORT` or `localhost:PORT` only (a page using DNS rebinding gets 421 and nothing else),
/// and a cap on connections still sending their head, past which the longest-waiting one is closed.
///
/// FlyingFox 0.27.1's `HTTPServer` reads request lines and headers without a limit and its `timeout` bounds only
/// the handler, and its decoder is internal; so this reads the head itself, on FlyingSocks' sockets and socket
/// pool, and hands a FlyingFox `HTTPRequest` to a FlyingFox `HTTPHandler` (routes stay FlyingFox's).
public final class LoopbackHTTPServer: Sendable {
    /// The bound port (the kernel's choice when asked for 0).
    public let port: UInt16
    private let listener: AsyncSocket
    private let pool: any AsyncSocketPool
    private let limits: RequestLimits
    private let handler: any HTTPHandler
    private let registry = Mutex(Registry())

    public struct ListenError: Error, CustomStringConvertible {
        public var port: UInt16
        public var reason: String
        public var description: String { "cannot listen on 127.0.0.1:\(port): \(reason)" }
    }

    /// Binds and listens on 127.0.0.1:`port` at once (0: a free port); requests are served once `run()` runs.
    public init(port: UInt16, limits: RequestLimits, handler: some HTTPHandler) throws(ListenError) {
        let pool = HTTPServer.defaultPool()
        do {
            let socket = try Socket(domain: Int32(AF_INET))
            do {
                try socket.setValue(true, for: .localAddressReuse)
                try socket.bind(to: sockaddr_in.inet(ip4: "127.0.0.1", port: port))
                try socket.listen()
                guard case .ip4(_, let bound) = try socket.sockname() else {
                    throw ListenError(port: port, reason: "no IPv4 address")
                }
                self.port = bound
                listener = try AsyncSocket(socket: socket, pool: pool)
            } catch {
                try? socket.close()
                throw error
            }
        } catch let error as ListenError {
            throw error
        } catch {
            throw ListenError(port: port, reason: "\(error)")
        }
        self.pool = pool
        self.limits = limits
        self.handler = handler
    }

    /// A server that never ran still holds its listening socket: close it (`run()` closes it itself otherwise).
    deinit {
        if !registry.withLock({ $0.closed }) { try? listener.close() }
    }

    /// Serves until cancelled; then closes the listening socket and every connection.
    public func run() async throws {
        defer {
            let tasks = registry.withLock { registry in
                registry.closed = true
                return Array(registry.waiting.values) + Array(registry.handling.values)
            }
            for task in tasks { task.cancel() }
            try? listener.close()
        }
        try await pool.prepare()
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.pool.run() }
            group.addTask {
                await self.accept()
                throw CancellationError()
            }
        }
    }

    /// Waits until no request is being answered, at most `grace`: a page being written gets out before `run()`
    /// is cancelled.
    public func finishing(grace: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: grace)
        while registry.withLock({ !$0.handling.isEmpty }), clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Connections by the order they came in; those still sending their head are the ones a flood evicts.
    private struct Registry {
        var next = 0
        var waiting: [Int: Task<Void, Never>] = [:]
        var handling: [Int: Task<Void, Never>] = [:]
        var closed = false
    }

    private func accept() async {
        while !Task.isCancelled {
            let client: AsyncSocket
            do {
                client = try await listener.accept()
            } catch {
                // Out of descriptors (EMFILE) or an aborted connection: keep the listener, breathe, go on.
                try? await Task.sleep(for: .milliseconds(20))
                continue
            }
            admit(client)
        }
    }

    private func admit(_ client: AsyncSocket) {
        let admitted = registry.withLock { registry in
            guard !registry.closed else { return false }
            registry.next += 1
            let id = registry.next
            registry.waiting[id] = Task { await self.serve(client, id: id) }
            if registry.waiting.count > limits.waitingConnections, let oldest = registry.waiting.keys.min() {
                registry.waiting.removeValue(forKey: oldest)?.cancel()
            }
            return true
        }
        if !admitted { try? client.close() }
    }

    private func serve(_ client: AsyncSocket, id: Int) async {
        defer {
            try? client.close()
            registry.withLock { registry in
                registry.waiting[id] = nil
                registry.handling[id] = nil
            }
        }
        let head: RequestHead
        do {
            head = try await Self.within(limits.headTime) { [limits] in
                try await Self.readHead(client, limit: limits.headBytes)
            }
            try head.check(port: port)
        } catch let refusal as RequestHead.Refusal {
            await refuse(client, refusal)
            return
        } catch {
            return  // too slow, gone, or evicted: closed without a word
        }
        let admitted = registry.withLock { registry in
            guard let task = registry.waiting.removeValue(forKey: id) else { return false }
            registry.handling[id] = task
            return true
        }
        guard admitted else { return }
        let response: HTTPResponse
        do {
            response = try await Self.within(limits.handlerTime) { [handler] in
                try await handler.handleRequest(head.request)
            }
        } catch is HTTPUnhandledError {
            response = HTTPResponse(statusCode: .notFound)
        } catch {
            response = HTTPResponse(statusCode: .internalServerError)
        }
        try? await Self.within(limits.headTime) { try await Self.write(response, to: client) }
    }

    private func refuse(_ client: AsyncSocket, _ refusal: RequestHead.Refusal) async {
        let (code, phrase) = refusal.status
        let response = HTTPResponse(
            statusCode: HTTPStatusCode(code, phrase: phrase), headers: [.contentType: "text/plain; charset=utf-8"],
            body: Data("\(phrase)\n".utf8))
        try? await Self.within(limits.headTime) { try await Self.write(response, to: client) }
        _ = shutdown(client.socket.file.rawValue, Int32(SHUT_WR))
    }

    /// Reads until the head's empty line, refusing it past `limit` bytes; what follows the head is never read.
    static func readHead(_ client: AsyncSocket, limit: Int) async throws -> RequestHead {
        var bytes: [UInt8] = []
        while true {
            let scanned = max(bytes.count - 3, 0)
            bytes += try await client.read(atMost: min(4096, limit - bytes.count))
            if let end = RequestHead.end(in: bytes, from: scanned) {
                return try RequestHead.parse(bytes[..<end])
            }
            if bytes.count >= limit { throw RequestHead.Refusal.tooLarge }
        }
    }

    private static func write(_ response: HTTPResponse, to client: AsyncSocket) async throws {
        let body = try await response.bodyData
        var head = "HTTP/1.1 \(response.statusCode.code) \(response.statusCode.phrase)\r\n"
        for (name, value) in response.headers where name != .contentLength && name != .connection {
            head += "\(name.rawValue): \(value)\r\n"
        }
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        try await client.write(Data(head.utf8) + body)
    }

    private enum Race<T: Sendable>: Sendable {
        case done(T)
        case late
    }

    struct TimedOut: Error {}

    /// `operation`'s result, or `TimedOut` once `limit` has passed (the operation is then cancelled).
    static func within<T: Sendable>(
        _ limit: Duration, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: Race<T>.self) { group in
            group.addTask { .done(try await operation()) }
            group.addTask {
                try await Task.sleep(for: limit)
                return .late
            }
            defer { group.cancelAll() }
            guard case .done(let value)? = try await group.next() else { throw TimedOut() }
            return value
        }
    }
}
