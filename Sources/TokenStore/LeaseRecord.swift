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
