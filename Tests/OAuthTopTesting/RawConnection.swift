import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A bare TCP client on 127.0.0.1 for the tests of the loopback servers: it sends exactly the bytes it is given
/// (half a request, a 20 KiB header, a wrong `Host`) and reports what came back and whether the server closed.
/// Its blocking reads run on a thread of their own, never on the cooperative pool the servers need.
public final class RawConnection: Sendable {
    private let descriptor: Int32
    private let closed = Mutex(false)

    public struct Received: Sendable {
        /// Everything the server sent, as text.
        public var text: String
        /// The server closed (or reset) the connection within the time given.
        public var closed: Bool
        /// How long the read took.
        public var elapsed: Duration
    }

    public struct Refused: Error {
        public var port: UInt16
        public var errno: Int32
    }

    public init(port: UInt16) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard descriptor >= 0, result == 0 else {
            let error = Glibc.errno
            if descriptor >= 0 { Glibc.close(descriptor) }
            throw Refused(port: port, errno: error)
        }
        self.descriptor = descriptor
    }

    deinit { close() }

    /// Sends `text` as it is; false when the server has already closed.
    @discardableResult public func send(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return false }
            bytes = bytes.dropFirst(sent)
        }
        return true
    }

    /// Reads until the server closes or `limit` has passed.
    public func receive(for limit: Duration) async -> Received {
        let descriptor = descriptor
        return await withCheckedContinuation { continuation in
            Thread {
                var timeout = timeval(tv_sec: 0, tv_usec: 20_000)
                setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                let clock = ContinuousClock()
                let start = clock.now
                var bytes: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                var closed = false
                while clock.now - start < limit {
                    let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                    if count > 0 {
                        bytes += buffer[..<count]
                    } else if count == 0 || (Glibc.errno != EAGAIN && Glibc.errno != EWOULDBLOCK) {
                        closed = true
                        break
                    }
                }
                continuation.resume(
                    returning: Received(
                        text: String(decoding: bytes, as: UTF8.self), closed: closed, elapsed: clock.now - start))
            }.start()
        }
    }

    public func close() {
        let wasOpen = closed.withLock { closed in
            defer { closed = true }
            return !closed
        }
        if wasOpen { Glibc.close(descriptor) }
    }

    /// Connects, sends `request`, reads until closed or `limit`, and closes.
    public static func exchange(port: UInt16, _ request: String, for limit: Duration) async throws -> Received {
        let connection = try RawConnection(port: port)
        defer { connection.close() }
        connection.send(request)
        return await connection.receive(for: limit)
    }
}
