import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Refresh leases as `flock(2)` locks, one file per server in `<state>/leases/`.
///
/// A lock needs no write to the database, so another writer holding SQLite's lock for seconds does not hold up a
/// refresh; and the kernel lets go of it the moment its holder dies, so a refresh killed on the wire after the
/// provider rotated is retried at once, inside the grace window a provider may give the rotated-out token (Okta,
/// Auth0: seconds). A lease in the database had both problems (the soak lost sessions to a kill while another
/// writer held the store). A live holder keeps its lock until it commits or gives up: a stopped process (Ctrl-Z)
/// holds its servers' refreshes until it goes on or ends, which is safer than sending its refresh token twice.
///
/// Within one process, owners (engines) exclude each other through `held`; a lock is one open file description,
/// so a second `SQLiteTokenStore` on the same file (or another process) is excluded by the kernel.
final class LeaseLocks: Sendable {
    enum Attempt: Equatable {
        /// Ours. `staged`: what a previous holder left in the file (see `stage`), for the store to look at.
        case acquired(staged: Data?)
        case held(by: String)
    }

    private let folder: String
    /// Locks this store holds: server → (owner, descriptor of its lock file, whether the file holds staged tokens).
    private let held = Mutex<[String: (owner: String, descriptor: Int32, staged: Bool)]>([:])

    init(folder: String) throws(TokenStoreError) {
        self.folder = folder
        try SQLiteTokenStore.preparePrivateFolder(folder)
    }

    /// Takes the server's lock for `owner` without waiting; the same owner asking again keeps it.
    func acquire(_ server: String, owner: String) throws(TokenStoreError) -> Attempt {
        try held.withLock { (held) throws(TokenStoreError) -> Attempt in
            if let current = held[server] {
                return current.owner == owner ? .acquired(staged: nil) : .held(by: current.owner)
            }
            let path = self.path(of: server)
            var descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if descriptor < 0, errno == ENOENT {  // the folder went away: make it again
                try SQLiteTokenStore.preparePrivateFolder(folder)
                descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
            }
            guard descriptor >= 0 else {
                throw .permissions(path: path, operation: "open the lease file", errno: errno)
            }
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
                let failure = errno
                let other = Self.owner(in: descriptor)
                close(descriptor)
                guard failure == EWOULDBLOCK else {
                    throw .permissions(path: path, operation: "lock the lease file", errno: failure)
                }
                return .held(by: other ?? "another oauthtop process")
            }
            let staged = Self.staged(in: descriptor)
            held[server] = (owner, descriptor, staged != nil)
            Self.write(owner: owner, staged: staged, descriptor)
            return .acquired(staged: staged)
        }
    }

    /// Puts new tokens (`data`, after the owner's name) into the lock file and onto the disk, while the database
    /// cannot take them yet (another writer holds it): a holder killed now leaves them to the next holder instead
    /// of losing a rotated refresh token. Only for the lock's owner.
    func stage(_ server: String, owner: String, _ data: Data) {
        held.withLock { held in
            guard let current = held[server], current.owner == owner else { return }
            Self.write(owner: owner, staged: data, current.descriptor)
            _ = fdatasync(current.descriptor)
            held[server]?.staged = true
        }
    }

    /// Empties the staged part: the database has the tokens (or refused them for good).
    func clearStage(_ server: String, owner: String) {
        held.withLock { held in
            guard let current = held[server], current.owner == owner, current.staged else { return }
            Self.write(owner: owner, staged: nil, current.descriptor)
            held[server]?.staged = false
        }
    }

    /// Whether `owner` holds the server's lock here.
    func isHeld(_ server: String, by owner: String) -> Bool {
        held.withLock { $0[server]?.owner == owner }
    }

    /// Lets go of `owner`'s lock (closing the descriptor ends the `flock`); another owner's lock stays.
    func release(_ server: String, owner: String) {
        held.withLock { held in
            guard let current = held[server], current.owner == owner else { return }
            close(current.descriptor)
            held[server] = nil
        }
    }

    /// `<folder>/<hex of the name's UTF-8>.lock`: any server name, no path tricks.
    func path(of server: String) -> String {
        folder + "/" + server.utf8.map { String(format: "%02x", $0) }.joined() + ".lock"
    }

    /// For whoever finds the lock held: who is refreshing (shown in their log and in `token`'s message), on a first
    /// line of fixed width; then, when given, the staged tokens.
    ///
    /// Without staged tokens the owner line is written over the last one and the file is cut only when longer:
    /// cutting a file to 0 makes ext4 write it back when it is closed (`auto_da_alloc`), which put disk writes on
    /// every refresh's path (perf, 2026-12-07).
    private static func write(owner: String, staged: Data?, _ descriptor: Int32) {
        var bytes = Array(owner.utf8.prefix(ownerLineWidth - 1))
        bytes += Array(repeating: UInt8(ascii: " "), count: ownerLineWidth - 1 - bytes.count) + [UInt8(ascii: "\n")]
        if let staged { bytes += staged }
        guard pwrite(descriptor, bytes, bytes.count, 0) == bytes.count else { return }
        var info = stat()
        if staged != nil || (fstat(descriptor, &info) == 0 && Int(info.st_size) > bytes.count) {
            _ = ftruncate(descriptor, off_t(bytes.count))
        }
    }

    static let ownerLineWidth = 64

    /// Everything after the first line, when there is anything.
    private static func staged(in descriptor: Int32) -> Data? {
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_size > 0, info.st_size < 1 << 20 else { return nil }
        var buffer = [UInt8](repeating: 0, count: Int(info.st_size))
        let count = pread(descriptor, &buffer, buffer.count, 0)
        guard count > 0, let newline = buffer[..<count].firstIndex(of: UInt8(ascii: "\n")), newline + 1 < count
        else { return nil }
        return Data(buffer[(newline + 1)..<count])
    }

    private static func owner(in descriptor: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = pread(descriptor, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        let line = buffer[..<count].split(separator: UInt8(ascii: "\n"), maxSplits: 1).first ?? []
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}

/// New tokens staged in a lease file while the database could not take them: `session` replaced the refresh token
/// `from`. They apply only on top of a stored session that still has `from` (never over a later sign-in or a logout).
///
/// In the file it is sealed whole (its JSON holds both refresh tokens): the lease file is as private as the database.
struct StagedRotation: Codable {
    var from: String?
    var session: StoredSession

    init(from: String?, session: StoredSession) {
        self.from = from
        self.session = session
    }

    /// The rotation a lease file holds: sealed JSON, or plain JSON staged by an oauthtop from before sealing. `nil`
    /// when it does not open or parse (another key, a torn write): it is then ignored, as a torn write always was.
    init?(_ staged: Data, sealing: any SecretSealing) {
        var json = staged
        let text = String(decoding: staged, as: UTF8.self)
        if sealing.isSealed(text) {
            guard let opened = try? sealing.open(text) else { return nil }
            json = Data(opened.utf8)
        }
        guard let decoded = try? JSONDecoder().decode(Self.self, from: json) else { return nil }
        self = decoded
    }

    /// What goes into the lease file; `nil` when it cannot be encoded or sealed (the rotation is then not staged,
    /// as when the database read before it fails).
    func sealed(_ sealing: any SecretSealing) -> Data? {
        guard let json = try? JSONEncoder().encode(self),
            let sealed = try? sealing.seal(String(decoding: json, as: UTF8.self))
        else { return nil }
        return Data(sealed.utf8)
    }
}
