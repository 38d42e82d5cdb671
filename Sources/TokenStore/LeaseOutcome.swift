import Foundation

/// The answer to "may I refresh this server now?" across every process sharing the store.
public enum LeaseOutcome: Sendable, Equatable {
    /// Yours until the time you asked for. The session is the store's current one: if its refresh token differs
    /// from yours, somebody else already refreshed; adopt it instead of refreshing.
    case acquired(StoredSession?)
    /// Another process is refreshing; look again after `until`.
    case held(by: String, until: Date)
}
