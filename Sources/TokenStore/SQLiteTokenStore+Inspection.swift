import GRDB
import Synchronization

/// Internal views into the database, so the tests can check the settings and the transactions the store relies
/// on without importing GRDB.
extension SQLiteTokenStore {
    /// Reads `PRAGMA name` on the writing connection, where per-connection settings such as `synchronous` matter.
    func pragma(_ name: String) async throws -> String? {
        try await pool.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
    }

    /// Runs raw SQL outside any store method, as another program touching the file would.
    func execute(sql: String) async throws {
        try await pool.writeWithoutTransaction { db in try db.execute(sql: sql) }
    }

    /// Moves everything into the database file (leaving `-wal` empty) and closes every connection; afterwards
    /// each method fails.
    func close() throws {
        _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        try pool.close()
    }

    /// Runs `body` and counts the transactions this store committed meanwhile.
    func committedTransactions(during body: () async throws -> Void) async throws -> Int {
        let counter = CommitCounter()
        pool.add(transactionObserver: counter, extent: .observerLifetime)
        defer { pool.remove(transactionObserver: counter) }
        try await body()
        return counter.commits.withLock { $0 }
    }
}

/// Counts commits that changed any row, on the writer connection's queue.
private final class CommitCounter: TransactionObserver, Sendable {
    let commits = Mutex(0)

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidCommit(_ db: Database) { commits.withLock { $0 += 1 } }
    func databaseDidRollback(_ db: Database) {}
}
