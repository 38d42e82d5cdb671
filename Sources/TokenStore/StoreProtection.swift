import Foundation
import GRDB

/// The row of `store_protection`: where the store's key lives and a constant sealed under it.
struct ProtectionRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "store_protection"

    var id = 1
    var keySource: String
    var keyCheck: String
    var scrubPending: Bool

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id
        case keySource = "key_source"
        case keyCheck = "key_check"
        case scrubPending = "scrub_pending"
    }

    /// What `key_check` opens to under the right key.
    static let checkValue = "oauthtop store key check v1"
}

/// Opening a store under a key: the key is checked against the store's record (or recorded, on a new store), rows
/// written in plaintext are sealed in one transaction, and the plaintext they left in the files is scrubbed.
///
/// Safe against a kill at any moment: the caller persisted the key before (`SQLiteTokenStore.init(path:sealingFor:)`
/// resolves it first); reading tolerates plaintext and sealed values alike until the transaction commits; and
/// `scrub_pending`, committed with the sealed rows, makes the next opening finish a scrub a kill cut short.
extension SQLiteTokenStore {
    /// Where the store says its key lives; `nil` for a store that has never been sealed (new, or from before).
    static func recordedKeySource(_ pool: DatabasePool, path: String) throws -> String? {
        try databaseCall(path) { try pool.read { db in try ProtectionRecord.fetchOne(db)?.keySource } }
    }

    static func protect(_ pool: DatabasePool, path: String, sealing: any SecretSealing) throws {
        let record = try databaseCall(path) { try pool.read { db in try ProtectionRecord.fetchOne(db) } }
        if let record, (try? sealing.open(record.keyCheck)) != ProtectionRecord.checkValue {
            throw TokenStoreError.keyMismatch(
                path: path, recordedSource: record.keySource, currentSource: sealing.keySource)
        }
        // Plaintext rows: all of them before the first sealed opening; later, those an older oauthtop still running
        // from before the upgrade wrote (it cannot open the store anew, but one already open goes on writing).
        let plaintext = try databaseCall(path) { try pool.read { db in try holdsPlaintext(db, sealing) } }
        if record == nil || plaintext {
            let check = try SealingFailure.sealing("store_protection.key_check") {
                try sealing.seal(ProtectionRecord.checkValue)
            }
            try databaseCall(path) {
                try pool.write { db in
                    if record == nil {
                        try ProtectionRecord(keySource: sealing.keySource, keyCheck: check, scrubPending: plaintext)
                            .insert(db)
                    } else {
                        try db.execute(sql: "UPDATE store_protection SET scrub_pending = 1")
                    }
                    try sealPlaintextRows(db, sealing)
                }
            }
        }
        if plaintext || record?.scrubPending == true { scrub(pool) }
    }

    private static func holdsPlaintext(_ db: Database, _ sealing: any SecretSealing) throws -> Bool {
        let secrets = try Row.fetchAll(
            db,
            sql: """
                SELECT access_token, refresh_token, client_secret FROM sessions
                UNION ALL SELECT client_secret, NULL, NULL FROM client_registrations
                """)
        return secrets.contains { row in
            (0..<3).contains { index in (row[index] as String?).map { !sealing.isSealed($0) } ?? false }
        }
    }

    /// Rewrites every row holding a plaintext secret with all its secrets sealed, in the caller's transaction.
    private static func sealPlaintextRows(_ db: Database, _ sealing: any SecretSealing) throws {
        for record in try SessionRecord.fetchAll(db) where record.holdsPlaintext(sealing) {
            let session = try record.session(opening: sealing)
            var sealed = try SessionRecord(session, updatedAt: Date(), sealing: sealing)
            sealed.updatedAt = record.updatedAt
            try sealed.upsert(db)
        }
        for record in try ClientRegistrationRecord.fetchAll(db) where record.holdsPlaintext(sealing) {
            try ClientRegistrationRecord(record.registration(opening: sealing), sealing: sealing).update(db)
        }
    }

    /// Leaves no copy of the old plaintext in the files: `secure_delete` (on for every connection) zeroed the cells
    /// the sealing transaction replaced; the WAL, which still holds the pages of earlier writes, is checkpointed and
    /// truncated; VACUUM rewrites every page of the database file, free pages included, and truncates it.
    /// Best effort: another process reading at this moment keeps a checkpoint from finishing, and then
    /// `scrub_pending` stays set for the next opening.
    private static func scrub(_ pool: DatabasePool) {
        do {
            try pool.writeWithoutTransaction { db in
                try db.checkpoint(.truncate)
                try db.execute(sql: "VACUUM")
                try db.checkpoint(.truncate)
            }
            try pool.write { db in try db.execute(sql: "UPDATE store_protection SET scrub_pending = 0") }
            try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        } catch {
            // Left for the next opening (scrub_pending is still 1).
        }
    }
}
