import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Tokens rest in a file only its owner can read, in a folder only its owner can enter (DESIGN.md section 4).
extension SQLiteTokenStore {
    static let folderMode: mode_t = 0o700
    static let fileMode: mode_t = 0o600

    /// Creates the folder (and missing parents, as the XDG spec asks) with mode 0700, or tightens an existing
    /// folder of the user's that group or others can enter. A folder someone else owns, or one that group or others
    /// can write in (a shared folder such as /tmp, or a sticky /tmp/x someone made), is refused: whoever can write
    /// there can plant a symlink where oauthtop's files go.
    static func preparePrivateFolder(_ folder: String) throws(TokenStoreError) {
        var info = stat()
        if stat(folder, &info) != 0 {
            guard errno == ENOENT else {
                throw .permissions(path: folder, operation: "inspect the folder", errno: errno)
            }
            try makeFolder(folder)
            // mkdir applies the umask; make sure the folder is exactly 0700 whatever it is.
            guard chmod(folder, folderMode) == 0 else {
                throw .permissions(path: folder, operation: "set mode 0700 on the folder", errno: errno)
            }
            return
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw .permissions(path: folder, operation: "use as the state folder", errno: ENOTDIR)
        }
        if info.st_uid != geteuid() {
            throw .unsafeFolder(path: folder, reason: "it belongs to uid \(info.st_uid), not to you (uid \(geteuid()))")
        }
        if info.st_mode & 0o022 != 0 {
            throw .unsafeFolder(
                path: folder,
                reason: "group or others can write in it (mode 0\(String(info.st_mode & 0o7777, radix: 8)))")
        }
        if info.st_mode & 0o077 != 0 {
            guard chmod(folder, folderMode) == 0 else {
                throw .permissions(path: folder, operation: "set mode 0700 on the folder", errno: errno)
            }
        }
    }

    /// Creates the database file with mode 0600 before SQLite sees it (SQLite gives `-wal` and `-shm` the mode of
    /// the database file), and brings an existing file and its `-wal`/`-shm` back to 0600. Never writes a byte.
    /// Returns the files that others could read until now: their tokens may have been read.
    static func preparePrivateFile(_ path: String) throws(TokenStoreError) -> [String] {
        var exposed: [String] = []
        for existing in [path, path + "-wal", path + "-shm"] {
            var info = stat()
            guard lstat(existing, &info) == 0 else { continue }
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw .permissions(
                    path: existing, operation: "use as a database file (not a regular file)", errno: EINVAL)
            }
            guard info.st_uid == geteuid() else {
                throw .unsafeFolder(path: existing, reason: "it belongs to uid \(info.st_uid), not to you")
            }
            if info.st_mode & 0o044 != 0 { exposed.append(existing) }
            if info.st_mode & 0o7777 != fileMode, chmod(existing, fileMode) != 0 {
                throw .permissions(path: existing, operation: "set mode 0600 on the file", errno: errno)
            }
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, fileMode)
        guard descriptor >= 0 else { throw .permissions(path: path, operation: "create the file", errno: errno) }
        defer { closeDescriptor(descriptor) }
        // A new file got 0600 minus the umask; a restrictive umask must not lock the owner out.
        var info = stat()
        if fstat(descriptor, &info) == 0, info.st_mode & 0o7777 != fileMode, fchmod(descriptor, fileMode) != 0 {
            throw .permissions(path: path, operation: "set mode 0600 on the file", errno: errno)
        }
        return exposed
    }

    /// Runs `body` holding an exclusive `flock(2)` on the state folder, so that processes opening the store at the
    /// same moment create, switch to WAL and migrate it one at a time. Without it, SQLite's own locks leave races
    /// on a new file: the journal switch answers "database is locked" without waiting, and a reader can meet a
    /// half-made schema ("no such table"). The lock is on the folder, not the database file: closing a descriptor of
    /// the database file would drop the POSIX locks SQLite holds on it in this process.
    static func whileOpening<T>(_ folder: String, _ body: () throws -> T) throws -> T {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw TokenStoreError.permissions(path: folder, operation: "open the folder", errno: errno)
        }
        defer { closeDescriptor(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw TokenStoreError.permissions(path: folder, operation: "lock the folder", errno: errno)
            }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    /// `mkdir -p` with mode 0700 for every folder it creates.
    private static func makeFolder(_ folder: String) throws(TokenStoreError) {
        let parent = (folder as NSString).deletingLastPathComponent
        var info = stat()
        if !parent.isEmpty, parent != folder, stat(parent, &info) != 0, errno == ENOENT {
            try makeFolder(parent)
        }
        if mkdir(folder, folderMode) != 0, errno != EEXIST {
            throw .permissions(path: folder, operation: "create the folder", errno: errno)
        }
    }
}

/// `close(2)`, out of reach of `SQLiteTokenStore.close()`.
private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}
