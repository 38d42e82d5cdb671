import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An append-only file opened 0600. Each line is one `write(2)` on an `O_APPEND` descriptor, so lines from
/// several processes never interleave.
public final class LogFile: Sendable {
    public let path: String
    private let descriptor: Int32

    public struct OpenError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot open log file \(path): \(reason)" }
    }

    public init(path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw OpenError(path: path, reason: String(cString: strerror(errno))) }
        _ = fchmod(fd, 0o600)
        self.path = path
        self.descriptor = fd
    }

    deinit { close(descriptor) }

    func append(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
