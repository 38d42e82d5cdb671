import Foundation

/// What a forced refresh (`refresh(name)`) came to.
public enum RefreshOutcome: Sendable, Equatable {
    /// New tokens are stored.
    case refreshed(expiresAt: Date?)
    /// Another process had already refreshed; its tokens were taken over without a request.
    case adopted(expiresAt: Date?)
    /// Not now: the rate limit or another process's lease. The refresh runs by itself at `until`.
    case deferred(until: Date, reason: String)
    /// The attempt failed and will be retried at `nextAttempt`.
    case retrying(error: String, nextAttempt: Date)
    /// The attempt failed for good; sign-in is needed.
    case failed(error: String)
}
