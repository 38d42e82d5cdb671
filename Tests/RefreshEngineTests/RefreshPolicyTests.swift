import Foundation
import Testing

@testable import RefreshEngine

@Suite struct RefreshPolicyTests {
    static let issued = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = RefreshPolicy()

    /// DESIGN.md section 2: 0.8 of the lifetime, and no later than 5 min before expiry when the lifetime is longer.
    static let lifetimes: [(lifetime: Double, refreshAfter: Double)] = [
        (3, 2.4),
        (30, 24),
        (300, 240),
        (10 * 60, 5 * 60),
        (20 * 60, 15 * 60),
        (3600, 48 * 60),
        (2 * 3600, 96 * 60),
        (24 * 3600, 19.2 * 3600),
    ]

    @Test(arguments: lifetimes)
    func proactiveRefreshTime(lifetime: Double, refreshAfter: Double) throws {
        let due = try #require(
            policy.proactiveRefreshTime(issuedAt: Self.issued, expiresAt: Self.issued.addingTimeInterval(lifetime)))
        #expect(abs(due.timeIntervalSince(Self.issued) - refreshAfter) < 1e-6)
    }

    @Test func tokenWithoutExpiryIsNeverRefreshedProactively() {
        #expect(policy.proactiveRefreshTime(issuedAt: Self.issued, expiresAt: nil) == nil)
    }

    @Test func tokenThatExpiredBeforeItWasIssuedIsDueAtOnce() {
        let due = policy.proactiveRefreshTime(issuedAt: Self.issued, expiresAt: Self.issued.addingTimeInterval(-60))
        #expect(due == Self.issued)
        #expect(policy.proactiveRefreshTime(issuedAt: Self.issued, expiresAt: Self.issued) == Self.issued)
    }

    @Test func jitterMovesRefreshEarlierByAtMostItsShare() {
        var jittered = policy
        jittered.jitter = 0.1
        let expires = Self.issued.addingTimeInterval(3600)
        let none = jittered.proactiveRefreshTime(issuedAt: Self.issued, expiresAt: expires, jitterSample: 0)!
        let full = jittered.proactiveRefreshTime(issuedAt: Self.issued, expiresAt: expires, jitterSample: 0.999999)!
        #expect(none.timeIntervalSince(Self.issued) == 48 * 60)
        #expect(abs(none.timeIntervalSince(full) - 360) < 0.01)
    }

    /// The backoff after failure n: 10, 20, 40, 80, 160, 300, 300 ... s.
    @Test func backoffSequence() {
        let waits = (1...9).map { policy.backoff(afterFailure: $0) }
        #expect(waits == [10, 20, 40, 80, 160, 300, 300, 300, 300])
    }

    /// mcpproxy #310: 2^n overflowed to a zero delay and spun. Any count stays within (0, cap].
    @Test(arguments: [0, -1, 30, 62, 63, 64, 1000, 23_158_728, Int.max, Int.min])
    func backoffNeverOverflows(failures: Int) {
        let wait = policy.backoff(afterFailure: failures)
        #expect(wait > 0 && wait <= 300)
        #expect(wait == (failures <= 1 ? 10 : 300))
    }

    @Test func retryAfterWinsOnlyWhenLaterAndIsCappedAtOneHour() {
        #expect(policy.retryDelay(afterFailure: 1, retryAfter: 120) == 120)
        #expect(policy.retryDelay(afterFailure: 1, retryAfter: 5) == 10)
        #expect(policy.retryDelay(afterFailure: 6, retryAfter: 60) == 300)
        #expect(policy.retryDelay(afterFailure: 1, retryAfter: 7200) == 3600)
        #expect(policy.retryDelay(afterFailure: 1, retryAfter: nil) == 10)
    }

    @Test func rateLimitWindow() {
        let now = Self.issued
        #expect(policy.earliestAttempt(lastAttempt: nil, now: now) == now)
        #expect(policy.earliestAttempt(lastAttempt: now.addingTimeInterval(-3), now: now) == now.addingTimeInterval(7))
        #expect(policy.earliestAttempt(lastAttempt: now.addingTimeInterval(-10), now: now) == now)
        // The wall clock went backwards: an attempt "in the future" does not block for hours.
        #expect(policy.earliestAttempt(lastAttempt: now.addingTimeInterval(8 * 3600), now: now) == now)
    }

    @Test func validationNamesTheKey() {
        #expect(
            throws: RefreshPolicy.Invalid(key: "threshold", problem: "must be greater than 0 and less than 1 (got 1.5)")
        ) {
            try RefreshPolicy(threshold: 1.5).validate()
        }
        do {
            try RefreshPolicy(retryBackoffBase: 20, maxRetryBackoff: 10).validate()
            Issue.record("expected a validation error")
        } catch {
            #expect(
                error.description
                    == "refresh.max_retry_backoff must be at least retry_backoff_base (20.0) seconds and at most "
                    + "31536000 seconds (a year) (got 10.0)")
        }
        #expect(throws: Never.self) { try RefreshPolicy().validate() }
        #expect(throws: RefreshPolicy.Invalid(key: "max_parallel", problem: "must be between 1 and 1024 (got 0)")) {
            try RefreshPolicy(maxParallel: 0).validate()
        }
    }
}
