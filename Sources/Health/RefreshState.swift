/// Where a server's refresh machinery stands (DESIGN.md section 2).
public enum RefreshState: String, Sendable, Codable, CaseIterable {
    /// Nothing pending: no proactive refresh is possible or needed (no expiry, no refresh token, no session).
    case idle
    /// A proactive refresh is armed for `nextAttempt`.
    case scheduled
    /// A refresh request is in flight.
    case refreshing
    /// The last attempt failed for a reason that may pass; the next one is at `nextAttempt`.
    case retrying
    /// The refresh token is dead or missing; only a new sign-in helps.
    case failed
    /// A browser sign-in is running.
    case signingIn = "signing_in"
    /// The user logged out; nothing is scheduled.
    case loggedOut = "logged_out"
}
