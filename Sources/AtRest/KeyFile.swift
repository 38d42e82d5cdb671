import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The store's key in a file of the state folder, `store.key`: base64 of 32 bytes on one line, mode 0600, owned by
/// the user. The fallback when no desktop keyring is reachable.
enum KeyFile {
    static let name = "store.key"

    /// The key in `path`, `nil` when there is no such file. A file that group or others can read or write, or that
    /// another user owns, a symbolic link, or one that is not a key, is refused: it is not used, and not replaced.
    static func read(_ path: String) throws(StoreKeyError) -> StoreCipher? {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            if errno == ELOOP { throw .keyFileUnsafe(path: path, reason: "it is a symbolic link") }
            throw .keyFile(path: path, operation: "open", errno: errno)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .keyFile(path: path, operation: "inspect", errno: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .keyFileUnsafe(path: path, reason: "not a regular file") }
        guard info.st_uid == geteuid() else {
            throw .keyFileUnsafe(path: path, reason: "owned by user \(info.st_uid), not by you (\(geteuid()))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw .keyFileUnsafe(
                path: path, reason: "mode \(String(info.st_mode & 0o777, radix: 8)), not 0600: others could read it")
        }
        var bytes = [UInt8](repeating: 0, count: 256)
        let count = Glibc.read(descriptor, &bytes, bytes.count)
        guard count >= 0 else { throw .keyFile(path: path, operation: "read", errno: errno) }
        defer { for index in bytes.indices { bytes[index] = 0 } }
        guard
            let cipher = StoreCipher(
                exportedKey: String(decoding: bytes[..<count], as: UTF8.self), protection: .keyFile(path: path))
        else { throw .keyFileMalformed(path: path) }
        return cipher
    }

    /// Creates `path` with a new key, on disk before this returns: written to a temporary file (O_EXCL, O_NOFOLLOW,
    /// 0600) and fsynced, then linked into place (atomic, and unlike rename it never replaces a file already there:
    /// another key, which is then read and returned), and the folder fsynced.
    static func create(_ path: String) throws(StoreKeyError) -> StoreCipher {
        let folder = (path as NSString).deletingLastPathComponent
        let temporary = folder + "/.\(name).\(getpid()).tmp"
        unlink(temporary)  // one a killed process of the same pid left
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .keyFile(path: temporary, operation: "create", errno: errno) }
        defer { unlink(temporary) }
        let cipher = StoreCipher.generated(protection: .keyFile(path: path))
        let line = Array((cipher.exportedKey + "\n").utf8)
        let written = fchmod(descriptor, 0o600) == 0 && write(descriptor, line, line.count) == line.count
        let synced = written && fsync(descriptor) == 0
        let failure = errno
        close(descriptor)
        guard synced else { throw .keyFile(path: temporary, operation: "write", errno: failure) }
        if link(temporary, path) != 0 {
            let failure = errno
            if failure == EEXIST, let existing = try read(path) { return existing }
            // A file system without hard links (some FUSE and network mounts): rename, which would replace a file
            // made in between; the caller holds the store's opening lock, so no oauthtop makes one meanwhile.
            guard failure == EPERM || failure == EOPNOTSUPP || failure == ENOSYS, rename(temporary, path) == 0 else {
                throw .keyFile(path: path, operation: "create", errno: failure)
            }
        }
        let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
        return cipher
    }
}
