import Foundation

/// The answer to "may I refresh this server now?" across every process sharing the store.
public enum LeaseOutcome: Sendable, Equatable {
    /// Yours until the time you asked for. The session is the store's current one: if its refresh token differs
    /// from yours, somebody else already refreshed; adopt it instead of refreshing.
    case acquired(StoredSession?)
    /// Another process is refreshing; look again after `until`.
    case held(by: String, until: Date)
}

/// What became of a refresh's commit.
public enum CommitOutcome: Sendable, Equatable {
    /// The tokens are stored. `leaseWasOurs` is false when the committer did not hold the lease (an in-memory
    /// lease that lapsed): another owner may have sent the same refresh token.
    case stored(leaseWasOurs: Bool)
    /// The session was deleted meanwhile (a logout, here or in another process): the tokens are not stored, so
    /// that the logout wins.
    case sessionGone
    /// The stored session no longer has the refresh token the refresh sent (`replacing`): a sign-in or an import
    /// replaced it meanwhile. The refresh's tokens (of the older grant) are not stored; this is what is.
    case superseded(StoredSession)
}
