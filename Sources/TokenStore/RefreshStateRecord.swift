import Foundation
import GRDB

/// A row of `refresh_states`: one server's `StoredRefreshState`. Times are seconds since 1970.
struct RefreshStateRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "refresh_states"

    var server: String
    var state: String
    var retryCount: Int
    var nextAttempt: Double?
    var lastError: String?
    var lastResult: String?
    var lastAttemptAt: Double?
    var lastRefreshAt: Double?
    var lastRefreshDuration: Double?
    var probe: String?
    var probeSummary: String?
    var probeDetail: String?
    var probedAt: Double?
    var rejectedByServer: String?

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case server
        case state
        case retryCount = "retry_count"
        case nextAttempt = "next_attempt"
        case lastError = "last_error"
        case lastResult = "last_result"
        case lastAttemptAt = "last_attempt_at"
        case lastRefreshAt = "last_refresh_at"
        case lastRefreshDuration = "last_refresh_duration"
        case probe
        case probeSummary = "probe_summary"
        case probeDetail = "probe_detail"
        case probedAt = "probed_at"
        case rejectedByServer = "rejected_by_server"
    }
}

extension RefreshStateRecord {
    init(_ state: StoredRefreshState, server: String) {
        self.server = server
        self.state = state.state
        retryCount = state.retryCount
        nextAttempt = state.nextAttempt?.timeIntervalSince1970
        lastError = state.lastError
        lastResult = state.lastResult
        lastAttemptAt = state.lastAttemptAt?.timeIntervalSince1970
        lastRefreshAt = state.lastRefreshAt?.timeIntervalSince1970
        lastRefreshDuration = state.lastRefreshDuration
        probe = state.probe
        probeSummary = state.probeSummary
        probeDetail = state.probeDetail
        probedAt = state.probedAt?.timeIntervalSince1970
        rejectedByServer = state.rejectedByServer
    }

    var refreshState: StoredRefreshState {
        StoredRefreshState(
            state: state, retryCount: retryCount, nextAttempt: nextAttempt.map(Date.init(timeIntervalSince1970:)),
            lastError: lastError, lastResult: lastResult,
            lastAttemptAt: lastAttemptAt.map(Date.init(timeIntervalSince1970:)),
            lastRefreshAt: lastRefreshAt.map(Date.init(timeIntervalSince1970:)),
            lastRefreshDuration: lastRefreshDuration, probe: probe, probeSummary: probeSummary,
            probeDetail: probeDetail, probedAt: probedAt.map(Date.init(timeIntervalSince1970:)),
            rejectedByServer: rejectedByServer)
    }
}

extension RefreshStateRecord {
    /// Inserts or replaces many rows through one prepared statement, in the caller's transaction. GRDB's
    /// per-record `upsert` builds and decodes a `RETURNING` query each time, which is 10 times slower.
    static func upsert(_ records: some Sequence<RefreshStateRecord>, _ db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO refresh_states (server, state, retry_count, next_attempt, last_error, last_result,
                    last_attempt_at, last_refresh_at, last_refresh_duration, probe, probe_summary, probe_detail,
                    probed_at, rejected_by_server)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (server) DO UPDATE SET
                    state = excluded.state, retry_count = excluded.retry_count,
                    next_attempt = excluded.next_attempt, last_error = excluded.last_error,
                    last_result = excluded.last_result, last_attempt_at = excluded.last_attempt_at,
                    last_refresh_at = excluded.last_refresh_at, last_refresh_duration = excluded.last_refresh_duration,
                    probe = excluded.probe, probe_summary = excluded.probe_summary, probe_detail = excluded.probe_detail,
                    probed_at = excluded.probed_at, rejected_by_server = excluded.rejected_by_server
                """)
        for record in records {
            try statement.execute(arguments: [
                record.server, record.state, record.retryCount, record.nextAttempt, record.lastError,
                record.lastResult, record.lastAttemptAt, record.lastRefreshAt, record.lastRefreshDuration,
                record.probe, record.probeSummary, record.probeDetail, record.probedAt, record.rejectedByServer,
            ])
        }
    }
}
