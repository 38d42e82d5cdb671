import Foundation
import GRDB

/// The durable `TokenStore`: one SQLite file shared by every oauthtop process of a user (the dashboard, `serve`,
/// `token` callers).
///
/// - The file is 0600 and its folder 0700, and so are SQLite's `-wal` and `-shm` files.
/// - WAL journal with `synchronous = FULL`: a write has reached the disk when its method returns, so new tokens
///   are durable before anybody uses them.
/// - Writers wait up to 5 s for one another (`busy_timeout`); readers never wait.
/// - A file that is not a database, or that a newer oauthtop wrote, is refused and never modified.
///
/// Every method may be called from any task; GRDB serialises writes within the process and SQLite's locks
/// across processes.
public final class SQLiteTokenStore: TokenStore {
    /// The database file, as given to `init(path:)`.
    public let path: String
    let pool: DatabasePool
    private let groupCommit: GroupCommit

    /// How long a write waits for another process's write to finish before failing.
    static let busyTimeout: TimeInterval = 5

    /// Opens the store at `path`, creating the file and its folder when missing, and brings the schema up to
    /// date.
    ///
    /// - Throws: `TokenStoreError.notADatabase` or `.newerSchema` (the file is left untouched),
    ///   `.permissions` when the folder or file cannot be created or made private, `.setting` or `.database`.
    public init(path: String) throws {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        try Self.preparePrivateFolder(folder.isEmpty ? "." : folder)
        pool = try Self.whileOpening(folder.isEmpty ? "." : folder) {
            try Self.preparePrivateFile(path)
            try Self.inspect(path)
            let pool = try Self.openPool(path)
            try Self.requireDurableWrites(pool, path: path)
            try Self.migrate(pool, path: path)
            return pool
        }
        groupCommit = GroupCommit(pool: pool)
    }

    /// Checks, through a read-only connection that cannot change a byte, that the file is a database this
    /// binary understands. The pool opened afterwards writes (it switches the journal to WAL).
    private static func inspect(_ path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "oauthtop.store.inspect"
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            let unknown = try queue.read(Migrations.unknownMigrations)
            if !unknown.isEmpty { throw TokenStoreError.newerSchema(path: path, unknownMigrations: unknown) }
        } catch {
            throw storeError(error, path: path)
        }
    }

    private static func openPool(_ path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.label = "oauthtop.store"
        do {
            // A DatabasePool always runs in WAL mode.
            return try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw storeError(error, path: path)
        }
    }

    /// GRDB sets `synchronous = NORMAL` when it turns WAL on, after any `prepareDatabase` hook, so FULL is set
    /// here, on the pool's only writing connection, and read back.
    private static func requireDurableWrites(_ pool: DatabasePool, path: String) throws {
        let (journal, synchronous) = try databaseCall(path) {
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                return (
                    try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous")
                )
            }
        }
        guard journal == "wal" else { throw TokenStoreError.setting(path: path, name: "journal_mode", value: "wal") }
        guard synchronous == 2 else { throw TokenStoreError.setting(path: path, name: "synchronous", value: "FULL") }
    }

    /// Applies missing migrations. Processes open the store one at a time (`whileOpening`), so two of them never
    /// migrate a new file at once.
    private static func migrate(_ pool: DatabasePool, path: String) throws {
        let unknown = try databaseCall(path) { try pool.read(Migrations.unknownMigrations) }
        if !unknown.isEmpty { throw TokenStoreError.newerSchema(path: path, unknownMigrations: unknown) }
        // Up to date (the usual case): no write transaction, so read-only commands stay cheap.
        if try databaseCall(path, { try pool.read { try Migrations.migrator.hasCompletedMigrations($0) } }) { return }
        try databaseCall(path) { try Migrations.migrator.migrate(pool) }
    }

    // MARK: Reading

    public func sessions() async throws -> [StoredSession] {
        try await reading { db in
            try SessionRecord.order(SessionRecord.CodingKeys.server).fetchAll(db).map(\.session)
        }
    }

    public func session(for server: String) async throws -> StoredSession? {
        try await reading { db in try SessionRecord.row(of: server, db)?.session }
    }

    public func refreshStates() async throws -> [String: StoredRefreshState] {
        try await reading { db in
            let records = try RefreshStateRecord.fetchAll(db)
            return Dictionary(records.map { ($0.server, $0.refreshState) }, uniquingKeysWith: { first, _ in first })
        }
    }

    // MARK: Writing

    public func save(_ session: StoredSession) async throws {
        let record = SessionRecord(session, updatedAt: Date())
        try await writing { db in try record.upsert(db) }
    }

    /// Deletes the session and any refresh lease of the server; its refresh state stays.
    public func deleteSession(for server: String) async throws {
        try await writing { db in
            _ = try SessionRecord.deleteOne(db, key: server)
            _ = try LeaseRecord.deleteOne(db, key: server)
        }
    }

    public func saveRefreshState(_ state: StoredRefreshState, for server: String) async throws {
        let record = RefreshStateRecord(state, server: server)
        try await writing(durable: false) { db in try RefreshStateRecord.upsert(CollectionOfOne(record), db) }
    }

    /// Saves every state in one transaction.
    public func saveRefreshStates(_ states: [String: StoredRefreshState]) async throws {
        guard !states.isEmpty else { return }
        let records = states.map { RefreshStateRecord($0.value, server: $0.key) }
        try await writing(durable: false) { db in try RefreshStateRecord.upsert(records, db) }
    }

    // MARK: Leases

    /// Atomic across processes: the lease is read and taken inside one IMMEDIATE transaction, which holds
    /// SQLite's write lock from its first statement, so two processes cannot both see the lease free.
    public func acquireLease(for server: String, owner: String, until: Date, now: Date) async throws -> LeaseOutcome {
        let called = Date()
        return try await writing(durable: false) { db in
            // Sized from when it is really taken: waiting for another process's write (up to the busy timeout) must
            // not eat into it. Waits under a second (a busy machine, other writes of this process in the same
            // batch) are left out: they are noise against a lease of `request_timeout` + 5 s, and a lease taken
            // at once then ends exactly where the caller asked.
            let measured = Date().timeIntervalSince(called)
            let waited = measured >= 1 ? measured : 0
            let now = now.timeIntervalSince1970 + waited
            // Its length is also kept on the boot clock, which a wall clock set forward does not move.
            let wanted = LeaseRecord(
                server: server, owner: owner, until: until.timeIntervalSince1970 + waited,
                takenBoot: LeaseOwner.bootClock(), duration: until.timeIntervalSince1970 - now + waited)
            if let lease = try LeaseRecord.row(of: server, db), lease.owner != owner,
                lease.end(now: now) > now, !LeaseOwner.isGone(lease.owner)
            {
                return .held(by: lease.owner, until: Date(timeIntervalSince1970: lease.end(now: now)))
            }
            try wanted.upsert(db)
            return .acquired(try SessionRecord.row(of: server, db)?.session)
        }
    }

    /// Stores the session and deletes `owner`'s lease in one transaction, which is on disk when this returns.
    /// Like `save`, it stores the session whoever holds the lease.
    @discardableResult
    public func commit(_ session: StoredSession, state: StoredRefreshState?, releasingLeaseOf owner: String)
        async throws -> CommitOutcome
    {
        let record = SessionRecord(session, updatedAt: Date())
        let stateRecord = state.map { RefreshStateRecord($0, server: session.server) }
        return try await writing { db in
            let lease = try LeaseRecord.row(of: session.server, db)
            try Self.deleteLease(of: session.server, owner: owner, db)
            guard try SessionRecord.row(of: session.server, db) != nil else { return .sessionGone }
            try record.upsert(db)
            if let stateRecord { try RefreshStateRecord.upsert(CollectionOfOne(stateRecord), db) }
            return .stored(leaseWasOurs: lease == nil || lease?.owner == owner)
        }
    }

    public func releaseLease(for server: String, owner: String) async throws {
        try await writing(durable: false) { db in try Self.deleteLease(of: server, owner: owner, db) }
    }

    private static func deleteLease(of server: String, owner: String, _ db: Database) throws {
        try LeaseRecord.delete(of: server, owner: owner, db)
    }

    // MARK: Access

    func reading<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    /// Runs `body` in an IMMEDIATE transaction (the write lock is taken at BEGIN, waiting up to the busy
    /// timeout for other processes), together with whatever other writes of this process are waiting
    /// (`GroupCommit`). Durable writes (tokens) are on disk when this returns. Bookkeeping (refresh states, leases)
    /// alone is committed without an fsync (`synchronous = NORMAL` for that transaction): a power cut may lose the
    /// last of it, never corrupt the file or a token.
    @discardableResult
    func writing<T: Sendable>(
        durable: Bool = true, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        do {
            return try await groupCommit.write(durable: durable, body)
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    private static func databaseCall<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw storeError(error, path: path)
        }
    }

    /// Translates any failure into a `TokenStoreError` that names the file. GRDB's own errors can quote SQL
    /// and decoding errors can quote whole rows, so neither is passed on as it is: a token must not leak.
    static func storeError(_ error: any Error, path: String) -> any Error {
        switch error {
        case let error as TokenStoreError:
            return error
        case is CancellationError:
            return error
        case let error as DatabaseError:
            switch error.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                return TokenStoreError.notADatabase(path: path)
            default:
                return TokenStoreError.database(
                    path: path, code: error.extendedResultCode.rawValue,
                    message: error.message ?? "SQLite error \(error.extendedResultCode.rawValue)")
            }
        default:
            return TokenStoreError.database(path: path, code: nil, message: "unexpected \(type(of: error))")
        }
    }
}

extension SQLiteTokenStore: CustomStringConvertible {
    public var description: String { "SQLiteTokenStore(\(path))" }
}
