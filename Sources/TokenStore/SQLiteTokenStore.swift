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
/// - Secrets (access and refresh tokens, client secrets, rotations staged in lease files) are sealed by the
///   `SecretSealing` given at opening; the store checks that it is the key it was sealed under (`StoreProtection`).
///   `secure_delete` is on, so SQLite zeroes what it deletes or replaces.
///
/// Every method may be called from any task; GRDB serialises writes within the process and SQLite's locks
/// across processes.
public final class SQLiteTokenStore: TokenStore {
    /// The database file, as given to `init(path:)`.
    public let path: String
    /// The store's files that group or others could read when this process opened them (now 0600): tokens in them
    /// may have been read, which the caller tells the user once.
    public let exposedFiles: [String]
    let pool: DatabasePool
    private let groupCommit: GroupCommit
    /// Refresh leases: `flock` files in `leases/` beside the database.
    let leases: LeaseLocks
    /// Seals every secret written, opens every secret read.
    let sealing: any SecretSealing

    /// How long a write waits for another process's write to finish before failing.
    static let busyTimeout: TimeInterval = 5

    /// Opens the store at `path` with secrets sealed by `sealing`; see `init(path:sealingFor:)`.
    public convenience init(path: String, sealing: any SecretSealing) throws {
        try self.init(path: path, sealingFor: { _ in sealing })
    }

    /// Opens the store at `path`, creating the file and its folder when missing, brings the schema up to date, and
    /// seals what an older oauthtop left in plaintext.
    ///
    /// `sealingFor` is called once, with where the store says its key lives (`nil` for a store never sealed), while
    /// this process holds the folder's opening lock: no other oauthtop opens the store meanwhile, so two processes
    /// never create two keys for one new store. Whatever key it returns must be persisted already: plaintext rows
    /// are sealed under it right after. Its errors are thrown as they are.
    ///
    /// - Throws: `TokenStoreError.notADatabase` or `.newerSchema` (the file is left untouched),
    ///   `.permissions` when the folder or file cannot be created or made private, `.keyMismatch` when the key is
    ///   not the one the store was sealed under, `.setting` or `.database`.
    public init(path: String, sealingFor resolve: (_ recordedKeySource: String?) throws -> any SecretSealing) throws {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        try Self.preparePrivateFolder(folder.isEmpty ? "." : folder)
        (pool, sealing, exposedFiles) = try Self.whileOpening(folder.isEmpty ? "." : folder) {
            let exposed = try Self.preparePrivateFile(path)
            try Self.inspect(path)
            let pool = try Self.openPool(path)
            try Self.requireDurableWrites(pool, path: path)
            try Self.migrate(pool, path: path)
            let sealing = try resolve(try Self.recordedKeySource(pool, path: path))
            try Self.protect(pool, path: path, sealing: sealing)
            return (pool, sealing, exposed)
        }
        groupCommit = GroupCommit(pool: pool)
        leases = try LeaseLocks(folder: (folder.isEmpty ? "." : folder) + "/leases")
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
        // Deleted and replaced content is overwritten with zeros (a refresh replaces the row's sealed tokens, a
        // logout deletes them); temporary tables and VACUUM's copy stay in memory, never in a file.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
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
            try SessionRecord.order(SessionRecord.CodingKeys.server).fetchAll(db).map {
                try $0.session(opening: sealing)
            }
        }
    }

    public func session(for server: String) async throws -> StoredSession? {
        try await reading { db in try SessionRecord.row(of: server, db)?.session(opening: sealing) }
    }

    public func refreshStates() async throws -> [String: StoredRefreshState] {
        try await reading { db in
            let records = try RefreshStateRecord.fetchAll(db)
            return Dictionary(records.map { ($0.server, $0.refreshState) }, uniquingKeysWith: { first, _ in first })
        }
    }

    // MARK: Writing

    public func save(_ session: StoredSession) async throws {
        let record = try sealed { try SessionRecord(session, updatedAt: Date(), sealing: sealing) }
        try await writing { db in try record.upsert(db) }
    }

    /// Deletes the session; its refresh state stays. A refresh on its way keeps its lease and finds the session
    /// gone when it commits.
    public func deleteSession(for server: String) async throws {
        try await writing { db in _ = try SessionRecord.deleteOne(db, key: server) }
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

    /// Takes the server's lease (`LeaseLocks`: a `flock`, no database write, so a busy store does not hold it up)
    /// and reads the stored session under it (a WAL read, which never waits for a writer). `until` and `now` are
    /// not needed: a lease lasts until it is given back or its holder ends. `held` says to look again at `until`.
    ///
    /// A previous holder that died between the provider's answer and the database may have staged its new tokens
    /// in the lease file (`commit`): when they rotated the refresh token the database still has, they are the
    /// newer generation, and they are stored now and handed back.
    public func acquireLease(for server: String, owner: String, until: Date, now: Date) async throws -> LeaseOutcome {
        let staged: Data?
        switch try leases.acquire(server, owner: owner) {
        case .held(let other): return .held(by: other, until: until)
        case .acquired(let found): staged = found
        }
        do {
            let sealing = sealing
            var session = try await reading { db in try SessionRecord.row(of: server, db)?.session(opening: sealing) }
            if let staged {
                if let rotation = StagedRotation(staged, sealing: sealing), rotation.session.server == server,
                    let current = session, current.refreshToken == rotation.from
                {
                    let record = try sealed { try SessionRecord(rotation.session, updatedAt: Date(), sealing: sealing) }
                    try await writing { db in try record.upsert(db) }
                    session = rotation.session
                }
                leases.clearStage(server, owner: owner)
            }
            return .acquired(session)
        } catch {
            leases.release(server, owner: owner)
            throw error
        }
    }

    /// Stores the session in one transaction, which is on disk when this returns, then gives `owner`'s lease
    /// back. Like `save`, it stores the session whoever holds the lease. When the write fails the lease is kept:
    /// the caller holds the only copy of the new tokens and saves them under it.
    ///
    /// A commit still waiting after `stageAfter` (another writer holds the database) also stages the tokens in the
    /// lease file, on disk: should this process be killed before the database takes them, the next holder finds
    /// them there (`acquireLease`) instead of sending a refresh token the provider has rotated away.
    /// `commit` without the check of what it replaces.
    @discardableResult
    public func commit(_ session: StoredSession, state: StoredRefreshState?, releasingLeaseOf owner: String)
        async throws -> CommitOutcome
    {
        try await commit(session, state: state, releasingLeaseOf: owner, replacing: nil)
    }

    @discardableResult
    public func commit(
        _ session: StoredSession, state: StoredRefreshState?, releasingLeaseOf owner: String, replacing: String?
    ) async throws -> CommitOutcome {
        let server = session.server
        let sealing = sealing
        let record = try sealed { try SessionRecord(session, updatedAt: Date(), sealing: sealing) }
        let stateRecord = state.map { RefreshStateRecord($0, server: server) }
        let leaseWasOurs = leases.isHeld(server, by: owner)
        let staging = leaseWasOurs ? stageIfSlow(session, owner: owner) : nil
        let outcome: CommitOutcome
        do {
            outcome = try await writing { db -> CommitOutcome in
                guard let current = try SessionRecord.row(of: server, db) else { return .sessionGone }
                // A sign-in or an import (here or in another process) replaced the session: it stays.
                if let replacing, try current.openedRefreshToken(sealing) != replacing {
                    return .superseded(try current.session(opening: sealing))
                }
                try record.upsert(db)
                if let stateRecord { try RefreshStateRecord.upsert(CollectionOfOne(stateRecord), db) }
                return .stored(leaseWasOurs: leaseWasOurs)
            }
        } catch {
            staging?.cancel()
            await staging?.value
            throw error
        }
        staging?.cancel()
        await staging?.value
        leases.clearStage(server, owner: owner)
        leases.release(server, owner: owner)
        return outcome
    }

    /// How long a commit may take before its tokens are staged in the lease file: a commit takes milliseconds
    /// unless another writer holds the database.
    static let stageAfter: Duration = .milliseconds(200)

    private func stageIfSlow(_ session: StoredSession, owner: String) -> Task<Void, Never> {
        Task {
            guard (try? await Task.sleep(for: Self.stageAfter)) != nil else { return }
            // The refresh token these tokens replaced: the one the database still has while the commit waits.
            let sealing = sealing
            guard
                let current = try? await reading({ db in
                    try SessionRecord.row(of: session.server, db)?.session(opening: sealing)
                }),
                let encoded = StagedRotation(from: current.refreshToken, session: session).sealed(sealing),
                !Task.isCancelled
            else { return }
            leases.stage(session.server, owner: owner, encoded)
        }
    }

    public func releaseLease(for server: String, owner: String) async throws {
        leases.release(server, owner: owner)
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
    /// (`GroupCommit`). Durable writes (tokens) are on disk when this returns. Bookkeeping (refresh states)
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

    /// Runs a sealing step (which throws `SealingFailure`), naming the file when it fails.
    func sealed<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    static func databaseCall<T>(_ path: String, _ body: () throws -> T) throws -> T {
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
        case let failure as SealingFailure:
            return failure.opening
                ? TokenStoreError.unreadableSecret(path: path, column: failure.column)
                : TokenStoreError.sealingFailed(path: path, column: failure.column)
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
