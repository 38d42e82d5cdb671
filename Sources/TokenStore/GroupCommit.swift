import GRDB
import Synchronization

/// Group commit: the writes that this process's tasks ask for while a transaction is being written wait for it
/// and then go together, each in a savepoint of one IMMEDIATE transaction, with one fsync for all of them.
///
/// A thousand servers refreshing after a restart used to make three transactions each, one of them with its
/// own fsync, all behind GRDB's single writer; the writer, not the provider, set the pace. Each write still sees
/// exactly what it saw alone (the transaction holds SQLite's write lock, so a lease is read and taken
/// atomically), fails alone (its savepoint is rolled back, the others commit), and returns only once the
/// transaction is committed: a durable write is on disk when its caller resumes.
actor GroupCommit {
    private struct Write {
        var durable: Bool
        /// Runs the write in its savepoint; the answer is handed over once the transaction has committed.
        var run: @Sendable (Database) -> Void
        var committed: @Sendable () -> Void
        var failed: @Sendable (any Error) -> Void
    }

    private let pool: DatabasePool
    private var pending: [Write] = []
    private var writing = false

    init(pool: DatabasePool) {
        self.pool = pool
    }

    func write<T: Sendable>(durable: Bool, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let outcome = Outcome<T>()
            pending.append(
                Write(
                    durable: durable,
                    run: { db in
                        do {
                            try db.inSavepoint {
                                outcome.set(.success(try body(db)))
                                return .commit
                            }
                        } catch {
                            outcome.set(.failure(error))
                        }
                    },
                    committed: { continuation.resume(with: outcome.get()) },
                    failed: { continuation.resume(throwing: $0) }))
            if !writing {
                writing = true
                Task { await self.drain() }
            }
        }
    }

    /// Writes batches until nothing is pending: whatever arrives during one transaction goes into the next.
    private func drain() async {
        while !pending.isEmpty {
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            let durable = batch.contains { $0.durable }
            do {
                try await pool.writeWithoutTransaction { db in
                    // Set on every transaction, so a failed reset can never leave token commits without their fsync.
                    try db.execute(sql: durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
                    try db.inTransaction(.immediate) {
                        for write in batch { write.run(db) }
                        return .commit
                    }
                }
                for write in batch { write.committed() }
            } catch {
                for write in batch { write.failed(error) }
            }
        }
        writing = false
    }
}

/// The answer of one write, set on GRDB's writer queue and read after the commit.
private final class Outcome<T: Sendable>: Sendable {
    private let result = Mutex<Result<T, any Error>>(.failure(CancellationError()))

    func set(_ result: Result<T, any Error>) { self.result.withLock { $0 = result } }
    func get() -> Result<T, any Error> { result.withLock { $0 } }
}
