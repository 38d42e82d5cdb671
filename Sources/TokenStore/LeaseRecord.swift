import Foundation
import GRDB

/// A row of `leases`: `owner` may refresh `server` until `until` (seconds since 1970). No row: nobody refreshes.
struct LeaseRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "leases"

    var server: String
    var owner: String
    var until: Double

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case server, owner, until
    }
}

extension LeaseRecord {
    /// Inserts or replaces the row through one cached statement (taken before every refresh).
    func upsert(_ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO leases (server, owner, until) VALUES (?, ?, ?)
                ON CONFLICT (server) DO UPDATE SET owner = excluded.owner, until = excluded.until
                """
        ).execute(arguments: [server, owner, until])
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
