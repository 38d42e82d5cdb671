import Foundation

/// The timing rules of DESIGN.md section 2 as pure functions of their inputs; durations are seconds. The fields up
/// to `requestTimeout` are config keys under `refresh` (`min_buffer`, ...); `probeInterval` and `rejectionWindow`
/// are set only through `OAUTHTOP_PROBE_INTERVAL` and `OAUTHTOP_REJECTION_WINDOW` (tests).
public struct RefreshPolicy: Sendable, Equatable {
    /// Fraction of the issued lifetime after which a token is refreshed.
    public var threshold: Double = 0.8
    /// When the lifetime is longer than this, refresh no later than this long before expiry.
    public var minBuffer: TimeInterval = 300
    /// Refresh up to `jitter × lifetime` earlier, so tokens issued together do not refresh together.
    public var jitter: Double = 0
    public var retryBackoffBase: TimeInterval = 10
    public var maxRetryBackoff: TimeInterval = 300
    /// At most one attempt per server in this window, on every path.
    public var minAttemptInterval: TimeInterval = 10
    /// How long before expiry a session without a refresh token warns.
    public var expiryWarning: TimeInterval = 3600
    /// Refreshes running at once across all servers.
    public var maxParallel: Int = 8
    /// Overall deadline of one token request.
    public var requestTimeout: TimeInterval = 30
    /// How often a signed-in server is probed with an MCP `initialize` (besides after every refresh).
    public var probeInterval: TimeInterval = 300
    /// A 401 from the MCP server on a token issued less than this long ago means the server rejects the token
    /// itself ("Token rejected by server"); on an older token it asks for a reactive refresh.
    public var rejectionWindow: TimeInterval = 60

    /// Retry-After is honoured up to this long.
    public static let maxRetryAfter: TimeInterval = 3600
    /// A clock jump larger than this counts as a wake from sleep.
    public static let wakeJumpThreshold: TimeInterval = 5
    /// The engine never sleeps longer than this without looking at the clock again.
    public static let maxSleep: TimeInterval = 30
    /// The running engine reads what other processes wrote to the store at most this often.
    public static let storeSyncInterval: TimeInterval = 5
    /// While another process holds a server's lease, look again this often rather than at the lease's end: if the
    /// holder dies on the wire, its refresh is retried while the provider may still honour the rotated-out token
    /// (grace windows are seconds; the soak's 2 s window was missed at a 1 s recheck under load). A look is one short
    /// write transaction, and a lease is normally held for one request.
    public static let leaseRecheck: TimeInterval = 0.25

    public init(
        threshold: Double = 0.8, minBuffer: TimeInterval = 300, jitter: Double = 0,
        retryBackoffBase: TimeInterval = 10, maxRetryBackoff: TimeInterval = 300,
        minAttemptInterval: TimeInterval = 10, expiryWarning: TimeInterval = 3600, maxParallel: Int = 8,
        requestTimeout: TimeInterval = 30, probeInterval: TimeInterval = 300,
        rejectionWindow: TimeInterval = 60
    ) {
        self.threshold = threshold
        self.minBuffer = minBuffer
        self.jitter = jitter
        self.retryBackoffBase = retryBackoffBase
        self.maxRetryBackoff = maxRetryBackoff
        self.minAttemptInterval = minAttemptInterval
        self.expiryWarning = expiryWarning
        self.maxParallel = maxParallel
        self.requestTimeout = requestTimeout
        self.probeInterval = probeInterval
        self.rejectionWindow = rejectionWindow
    }

    /// When to refresh a token issued at `issuedAt` that expires at `expiresAt`; `nil` when it never expires.
    /// A token that expired before it was issued is due at once. `jitterSample` is a number in 0..<1.
    public func proactiveRefreshTime(issuedAt: Date, expiresAt: Date?, jitterSample: Double = 0) -> Date? {
        guard let expiresAt else { return nil }
        let lifetime = expiresAt.timeIntervalSince(issuedAt)
        guard lifetime > 0 else { return issuedAt }
        var offset = threshold * lifetime
        if lifetime > minBuffer {
            offset = min(offset, lifetime - minBuffer)
        }
        offset -= min(max(jitterSample, 0), 1) * jitter * lifetime
        return issuedAt.addingTimeInterval(max(0, offset))
    }

    /// Wait after the `failures`-th failure in a row: base × 2^(n−1), capped; never zero, never overflowing.
    public func backoff(afterFailure failures: Int) -> TimeInterval {
        let exponent = Double(min(max(failures, 1) - 1, 1023))
        let raw = retryBackoffBase * pow(2, exponent)
        let capped = raw.isFinite ? min(raw, maxRetryBackoff) : maxRetryBackoff
        return max(capped, min(retryBackoffBase, maxRetryBackoff), 0.001)
    }

    /// Wait before the next attempt: the backoff, or the server's Retry-After when that is later (capped at 1 h).
    public func retryDelay(afterFailure failures: Int, retryAfter: TimeInterval?) -> TimeInterval {
        let backoff = backoff(afterFailure: failures)
        guard let retryAfter, retryAfter.isFinite else { return backoff }
        return max(backoff, min(retryAfter, Self.maxRetryAfter))
    }

    /// The earliest moment the rate limit allows another attempt. An attempt "in the future" (the wall clock
    /// went backwards) does not block.
    public func earliestAttempt(lastAttempt: Date?, now: Date) -> Date {
        guard let lastAttempt, lastAttempt <= now else { return now }
        return max(now, lastAttempt.addingTimeInterval(minAttemptInterval))
    }
}

extension RefreshPolicy {
    /// A refresh policy value that cannot work, named by its config key.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var key: String
        public var problem: String
        public var description: String { "refresh.\(key) \(problem)" }
    }

    /// The longest any of the policy's durations may be: a year.
    public static let maxSeconds: TimeInterval = 365 * 24 * 3600

    /// Throws for values that would break the engine: the message names the key and the allowed range.
    public func validate() throws(Invalid) {
        func check(_ ok: Bool, _ key: String, _ problem: String) throws(Invalid) {
            if !ok { throw Invalid(key: key, problem: problem) }
        }
        try check(
            threshold > 0 && threshold < 1, "threshold", "must be greater than 0 and less than 1 (got \(threshold))")
        // Seconds at most a year: a Date or a Duration made of 1e300 overflows (docs/security.md).
        let year = Self.maxSeconds
        func seconds(_ value: TimeInterval, from lowest: TimeInterval, _ key: String, _ range: String) throws(Invalid) {
            try check(
                value >= lowest && value <= year && value.isFinite, key,
                "must be \(range) and at most \(Int(year)) seconds (a year) (got \(value))")
        }
        try seconds(minBuffer, from: 0, "min_buffer", "0 or more seconds")
        try check(jitter >= 0 && jitter < 1, "jitter", "must be at least 0 and less than 1 (got \(jitter))")
        try seconds(retryBackoffBase, from: .leastNonzeroMagnitude, "retry_backoff_base", "more than 0 seconds")
        try seconds(
            maxRetryBackoff, from: retryBackoffBase, "max_retry_backoff",
            "at least retry_backoff_base (\(retryBackoffBase)) seconds")
        try seconds(minAttemptInterval, from: 0, "min_attempt_interval", "0 or more seconds")
        try seconds(expiryWarning, from: 0, "expiry_warning", "0 or more seconds")
        try check(
            maxParallel >= 1 && maxParallel <= 1024, "max_parallel", "must be between 1 and 1024 (got \(maxParallel))")
        try check(
            requestTimeout > 0 && requestTimeout <= 600, "request_timeout",
            "must be more than 0 and at most 600 seconds (got \(requestTimeout))")
        try seconds(probeInterval, from: .leastNonzeroMagnitude, "probe_interval", "more than 0 seconds")
    }
}
