/// The outcome of one refresh attempt as the `result` label of mcpproxy's metrics.
public enum RefreshResult: String, Sendable, Codable, CaseIterable {
    case success
    case failedNetwork = "failed_network"
    case failedInvalidGrant = "failed_invalid_grant"
    case failedOther = "failed_other"
}

/// What a failed attempt means for the schedule.
public struct FailureClassification: Sendable, Equatable {
    /// `true`: try again after the backoff. `false`: the refresh token cannot work; sign-in is needed.
    public var retryable: Bool
    public var result: RefreshResult
    /// Seconds the server asked us to wait (Retry-After), when it said.
    public var retryAfter: Double?

    public init(retryable: Bool, result: RefreshResult, retryAfter: Double? = nil) {
        self.retryable = retryable
        self.result = result
        self.retryAfter = retryAfter
    }
}
