import Foundation
import GRDB

/// A row of `leases`: `owner` may refresh `server` until `until` (seconds since 1970). No row: nobody refreshes.
struct LeaseRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "leases"

    var server: String
    var owner: String
    /// Wall time; what older versions read, and what decides for owners that are not processes of this boot.
    var until: Double
    /// `CLOCK_BOOTTIME` seconds when the lease was taken, and its length: what decides for a holder of this boot.
    var takenBoot: Double?
    var duration: Double?

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case server, owner, until
        case takenBoot = "taken_boot"
        case duration
    }

    /// When the lease ends for a process of this boot reading the wall clock at `now` (seconds since 1970).
    func end(now: Double) -> Double {
        guard let takenBoot, let duration, LeaseOwner.isThisBoot(owner), let boot = LeaseOwner.bootClock() else {
            return until
        }
        return now + (takenBoot + duration - boot)
    }
}

extension LeaseRecord {
    /// Inserts or replaces the row through one cached statement (taken before every refresh).
    func upsert(_ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO leases (server, owner, until, taken_boot, duration) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (server) DO UPDATE SET owner = excluded.owner, until = excluded.until,
                    taken_boot = excluded.taken_boot, duration = excluded.duration
                """
        ).execute(arguments: [server, owner, until, takenBoot, duration])
    }

    /// The lease on `server`, through a cached statement.
    static func row(of server: String, _ db: Database) throws -> LeaseRecord? {
        try LeaseRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM leases WHERE server = ?"), arguments: [server])
    }

    /// Deletes `owner`'s lease on `server`, if it still holds it.
    static func delete(of server: String, owner: String, _ db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM leases WHERE server = ? AND owner = ?").execute(arguments: [
            server, owner,
        ])
    }
}
