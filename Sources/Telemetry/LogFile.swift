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

    /// Whether group or others could read the file until this process opened it (it is 0600 now): the caller
    /// tells the user once.
    public let wasExposed: Bool

    /// Opens (or creates) the log. A symlink in its place is refused (`O_NOFOLLOW`), and so is a file someone else
    /// owns: whoever planted it would read every line, or have us chmod their file.
    public init(path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            let reason = errno == ELOOP ? "it is a symbolic link; remove it" : String(cString: strerror(errno))
            throw OpenError(path: path, reason: reason)
        }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid() else {
            close(fd)
            throw OpenError(path: path, reason: "it is not a regular file of yours; move it away")
        }
        if info.st_mode & 0o7777 != 0o600, fchmod(fd, 0o600) != 0 {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw OpenError(path: path, reason: "cannot make it 0600: \(reason)")
        }
        self.path = path
        self.descriptor = fd
        wasExposed = info.st_mode & 0o044 != 0
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
