import Foundation
import Testing

@testable import Health

/// Every row of DESIGN.md section 3 with its exact strings, and every refresh state's level, action and summary.
@Suite struct HealthCalculatorTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z
    static let calculator = HealthCalculator(expiryWarning: 3600)

    /// A healthy session with a refresh token: the baseline each row changes.
    static func signedIn(_ change: (inout HealthFacts) -> Void = { _ in }) -> HealthFacts {
        var facts = HealthFacts(
            hasSession: true, accessTokenExpiresAt: now.addingTimeInterval(42 * 60), hasRefreshToken: true,
            refreshState: .scheduled, nextAttempt: now.addingTimeInterval(30 * 60))
        change(&facts)
        return facts
    }

    struct Row: CustomTestStringConvertible, Sendable {
        var rule: Int
        var facts: HealthFacts
        var expected: HealthStatus
        var testDescription: String { "rule \(rule): \(expected.summary)" }
    }

    static let rows: [Row] = [
        Row(
            rule: 1,
            facts: signedIn {
                $0.enabled = false; $0.configurationError = "bad"
            },
            expected: .init(level: .healthy, summary: "Disabled", action: .enable)),
        Row(
            rule: 2, facts: signedIn { $0.configurationError = "oauth.token_endpoint is not a URL" },
            expected: .init(
                level: .unhealthy, summary: "OAuth configuration error", detail: "oauth.token_endpoint is not a URL",
                action: .configure)),
        Row(
            rule: 3,
            facts: signedIn {
                $0.refreshState = .signingIn; $0.signInHost = "auth.example.com"
            },
            expected: .init(level: .degraded, summary: "Waiting for browser sign-in", detail: "auth.example.com")),
        Row(
            rule: 4, facts: HealthFacts(refreshState: .loggedOut),
            expected: .init(level: .unhealthy, summary: "Logged out", action: .login)),
        Row(
            rule: 5, facts: HealthFacts(),
            expected: .init(level: .degraded, summary: "Sign-in required", action: .login)),
        Row(
            rule: 6,
            facts: signedIn {
                $0.refreshState = .failed; $0.failedWithInvalidGrant = true
                $0.lastError = "HTTP 400 invalid_grant: refresh token revoked"
            },
            expected: .init(
                level: .unhealthy, summary: "Refresh token expired",
                detail: "Re-authentication required: HTTP 400 invalid_grant: refresh token revoked", action: .login)),
        Row(
            rule: 6,
            facts: signedIn {
                $0.refreshState = .failed; $0.lastError = "HTTP 401 invalid_client"
            },
            expected: .init(
                level: .unhealthy, summary: "Refresh failed",
                detail: "Re-authentication required: HTTP 401 invalid_client", action: .login)),
        Row(
            rule: 6, facts: signedIn { $0.refreshState = .failed },
            expected: .init(
                level: .unhealthy, summary: "Refresh failed", detail: "Re-authentication required", action: .login)),
        Row(
            rule: 7,
            facts: signedIn {
                $0.refreshState = .retrying; $0.retryCount = 3; $0.nextAttempt = now.addingTimeInterval(40)
                $0.lastError = "network error: connection refused"
            },
            expected: .init(
                level: .degraded, summary: "Token refresh pending",
                detail: "Refresh retry 3 scheduled for 2027-01-15T08:00:40Z: network error: connection refused",
                action: .viewLogs)),
        Row(
            rule: 8,
            facts: signedIn {
                $0.refreshState = .retrying; $0.retryCount = 12; $0.nextAttempt = now.addingTimeInterval(300)
                $0.accessTokenExpiresAt = now.addingTimeInterval(-60); $0.lastError = "HTTP 503"
            },
            expected: .init(
                level: .unhealthy, summary: "Token expired, refresh retrying",
                detail: "Refresh retry 12 scheduled for 2027-01-15T08:05:00Z: HTTP 503", action: .viewLogs)),
        Row(
            rule: 9,
            facts: signedIn {
                $0.hasRefreshToken = false; $0.refreshState = .idle; $0.nextAttempt = nil
                $0.accessTokenExpiresAt = now.addingTimeInterval(-1)
            },
            expected: .init(
                level: .unhealthy, summary: "Token expired", detail: "No refresh token; sign in again", action: .login)),
        Row(
            rule: 10, facts: signedIn { $0.accessTokenExpiresAt = now.addingTimeInterval(-180) },
            expected: .init(level: .degraded, summary: "Token expired, refreshing")),
        Row(
            rule: 10,
            facts: signedIn {
                $0.accessTokenExpiresAt = now; $0.refreshState = .refreshing; $0.nextAttempt = nil
            },
            expected: .init(level: .degraded, summary: "Token expired, refreshing")),
        Row(
            rule: 11,
            facts: signedIn {
                $0.hasRefreshToken = false; $0.refreshState = .idle; $0.nextAttempt = nil
                $0.accessTokenExpiresAt = now.addingTimeInterval(12 * 60 + 30)
            },
            expected: .init(
                level: .degraded, summary: "Token expiring in 12m", detail: "Token expires at 2027-01-15T08:12:30Z",
                action: .login)),
        Row(
            rule: 12, facts: signedIn { $0.rejectedByServer = "invalid_token: token revoked" },
            expected: .init(
                level: .unhealthy, summary: "Token rejected by server", detail: "invalid_token: token revoked",
                action: .login)),
        Row(
            rule: 12,
            facts: signedIn { $0.probe = .insufficientScope(scope: "files:write", detail: "insufficient_scope") },
            expected: .init(
                level: .degraded, summary: "More access needed",
                detail: "The server asks for scope files:write; sign in again to grant it", action: .login)),
        Row(
            rule: 12,
            facts: signedIn { $0.probe = .insufficientScope(scope: "", detail: "insufficient_scope") },
            expected: .init(
                level: .degraded, summary: "More access needed",
                detail: "The server needs more access than this sign-in granted; sign in again", action: .login)),
        Row(
            rule: 13,
            facts: signedIn {
                $0.probe = .unreachable(
                    summary: "Connection refused", detail: "POST http://127.0.0.1:9/mcp: Connection refused")
            },
            expected: .init(
                level: .degraded, summary: "Connection refused",
                detail: "POST http://127.0.0.1:9/mcp: Connection refused", action: .viewLogs)),
        Row(
            rule: 14, facts: signedIn { $0.probe = .connected },
            expected: .init(
                level: .healthy, summary: "Connected", detail: "Token refresh scheduled for 2027-01-15T08:30:00Z")),
        Row(
            rule: 14, facts: signedIn(),
            expected: .init(
                level: .healthy, summary: "Token valid for 42m",
                detail: "Token refresh scheduled for 2027-01-15T08:30:00Z"
            )),
        Row(
            rule: 14,
            facts: signedIn {
                $0.accessTokenExpiresAt = nil; $0.refreshState = .idle; $0.nextAttempt = nil
            },
            expected: .init(level: .healthy, summary: "Token valid, no expiry")),
        Row(
            rule: 14,
            facts: signedIn {
                $0.hasRefreshToken = false; $0.refreshState = .idle; $0.nextAttempt = nil
                $0.accessTokenExpiresAt = now.addingTimeInterval(3 * 3600 + 5 * 60)
            },
            expected: .init(level: .healthy, summary: "Token valid for 3h05m")),
    ]

    @Test(arguments: rows)
    func everyRowOfTheTable(_ row: Row) {
        #expect(Self.calculator.evaluate(row.facts, now: Self.now) == row.expected)
    }

    /// Each refresh state of a signed-in session with a valid token maps to its level, action and summary.
    @Test(arguments: [
        (RefreshState.idle, HealthLevel.healthy, SuggestedAction?.none, "Token valid for 42m"),
        (.scheduled, .healthy, nil, "Token valid for 42m"),
        (.refreshing, .healthy, nil, "Token valid for 42m"),
        (.retrying, .degraded, .viewLogs, "Token refresh pending"),
        (.failed, .unhealthy, .login, "Refresh failed"),
        (.signingIn, .degraded, nil, "Waiting for browser sign-in"),
        (.loggedOut, .unhealthy, .login, "Logged out"),
    ])
    func everyRefreshState(state: RefreshState, level: HealthLevel, action: SuggestedAction?, summary: String) {
        let status = Self.calculator.evaluate(Self.signedIn { $0.refreshState = state }, now: Self.now)
        #expect(status.level == level)
        #expect(status.action == action)
        #expect(status.summary == summary)
    }

    @Test func retryDetailCutsLongErrorsTo100Characters() {
        let error = String(repeating: "x", count: 150)
        let facts = Self.signedIn {
            $0.refreshState = .retrying; $0.retryCount = 5; $0.nextAttempt = nil; $0.lastError = error
        }
        let detail = Self.calculator.evaluate(facts, now: Self.now).detail!
        #expect(detail == "Refresh retry 5 pending: " + String(repeating: "x", count: 97) + "...")
        let exactly100 = String(repeating: "y", count: 100)
        let kept = Self.calculator.evaluate(
            Self.signedIn {
                $0.refreshState = .retrying; $0.lastError = exactly100
            }, now: Self.now)
        #expect(kept.detail!.hasSuffix(": " + exactly100))
    }

    @Test func retryingWinsOverExpiredAndExpiring() {
        // mcpproxy showed "Token expired / login" while a retry was still running; we show the truth.
        let facts = Self.signedIn {
            $0.refreshState = .retrying; $0.retryCount = 1; $0.accessTokenExpiresAt = Self.now.addingTimeInterval(-1)
        }
        #expect(Self.calculator.evaluate(facts, now: Self.now).summary == "Token expired, refresh retrying")
    }

    @Test func expiryBoundaryIsInclusive() {
        let facts = Self.signedIn { $0.accessTokenExpiresAt = Self.now }
        #expect(Self.calculator.evaluate(facts, now: Self.now).summary == "Token expired, refreshing")
        let oneTickBefore = Self.signedIn { $0.accessTokenExpiresAt = Self.now.addingTimeInterval(0.001) }
        #expect(Self.calculator.evaluate(oneTickBefore, now: Self.now).summary == "Token valid for 0s")
    }

    @Test func expiryWarningWindowIsConfigurable() {
        let facts = Self.signedIn {
            $0.hasRefreshToken = false; $0.refreshState = .idle;
            $0.accessTokenExpiresAt = Self.now.addingTimeInterval(2 * 3600)
        }
        #expect(HealthCalculator(expiryWarning: 3600).evaluate(facts, now: Self.now).level == .healthy)
        #expect(
            HealthCalculator(expiryWarning: 3 * 3600).evaluate(facts, now: Self.now).summary == "Token expiring in 2h")
    }

    static let durations: [(Double, String)] = [
        (0.0, "0s"), (59.9, "59s"), (60, "1m"), (42 * 60 + 59, "42m"), (3600, "1h"), (3600 + 5 * 60, "1h05m"),
        (23 * 3600 + 59 * 60, "23h59m"), (86_400, "1d"), (3 * 86_400 + 4 * 3600, "3d4h"), (-5, "0s"),
        (.infinity, "0s"),
    ]

    @Test(arguments: durations)
    func compactDurations(seconds: Double, text: String) {
        #expect(TimeText.compact(seconds) == text)
    }
}
