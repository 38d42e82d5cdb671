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
    }

    var refreshState: StoredRefreshState {
        StoredRefreshState(
            state: state, retryCount: retryCount, nextAttempt: nextAttempt.map(Date.init(timeIntervalSince1970:)),
            lastError: lastError, lastResult: lastResult,
            lastAttemptAt: lastAttemptAt.map(Date.init(timeIntervalSince1970:)),
            lastRefreshAt: lastRefreshAt.map(Date.init(timeIntervalSince1970:)),
            lastRefreshDuration: lastRefreshDuration)
    }
}
