import Foundation

/// DESIGN.md section 3 as a pure function: the first matching rule wins.
public struct HealthCalculator: Sendable {
    /// How long before expiry a session without a refresh token starts to warn (`refresh.expiry_warning`).
    public var expiryWarning: TimeInterval

    public init(expiryWarning: TimeInterval = 3600) {
        self.expiryWarning = expiryWarning
    }

    /// The health of a server with these facts at `now`: the first matching rule of the table wins.
    public func evaluate(_ facts: HealthFacts, now: Date) -> HealthStatus {
        let expired = facts.accessTokenExpiresAt.map { $0 <= now } ?? false
        return Self.administrative(facts)
            ?? Self.refreshMachinery(facts, expired: expired)
            ?? expiry(facts, expired: expired, now: now)
            ?? Self.serverAnswer(facts)
            ?? Self.healthy(facts, now: now)
    }

    /// Rules 1-5: administrative and sign-in states.
    private static func administrative(_ facts: HealthFacts) -> HealthStatus? {
        if !facts.enabled {
            return HealthStatus(level: .healthy, summary: "Disabled", action: .enable)
        }
        if let error = facts.configurationError {
            return HealthStatus(
                level: .unhealthy, summary: "OAuth configuration error", detail: error, action: .configure)
        }
        if facts.refreshState == .signingIn {
            return HealthStatus(level: .degraded, summary: "Waiting for browser sign-in", detail: facts.signInHost)
        }
        if facts.refreshState == .loggedOut {
            return HealthStatus(level: .unhealthy, summary: "Logged out", action: .login)
        }
        if !facts.hasSession {
            return HealthStatus(
                level: .degraded, summary: "Sign-in required",
                detail: facts.sessionIssuedFor.map {
                    "The stored session was issued for \($0); the config names another URL, so its token is not sent there"
                }, action: .login)
        }
        return nil
    }

    /// Rules 6-8: a refresh that failed for good, or one being retried.
    private static func refreshMachinery(_ facts: HealthFacts, expired: Bool) -> HealthStatus? {
        switch facts.refreshState {
        case .failed:
            let reason = facts.lastError.flatMap { $0.isEmpty ? nil : $0 }
            return HealthStatus(
                level: .unhealthy,
                summary: facts.failedWithInvalidGrant ? "Refresh token expired" : "Refresh failed",
                detail: reason.map { "Re-authentication required: \($0)" } ?? "Re-authentication required",
                action: .login
            )
        case .retrying:
            return HealthStatus(
                level: expired ? .unhealthy : .degraded,
                summary: expired ? "Token expired, refresh retrying" : "Token refresh pending",
                detail: retryDetail(facts),
                action: .viewLogs
            )
        default:
            return nil
        }
    }

    /// Rules 9-11: an expired token, or one about to expire that nothing will refresh.
    private func expiry(_ facts: HealthFacts, expired: Bool, now: Date) -> HealthStatus? {
        if expired {
            if !facts.hasRefreshToken {
                return HealthStatus(
                    level: .unhealthy, summary: "Token expired", detail: "No refresh token; sign in again",
                    action: .login)
            }
            return HealthStatus(level: .degraded, summary: "Token expired, refreshing")
        }
        guard let expiresAt = facts.accessTokenExpiresAt, !facts.hasRefreshToken,
            expiresAt.timeIntervalSince(now) <= expiryWarning
        else { return nil }
        return HealthStatus(
            level: .degraded,
            summary: "Token expiring in \(TimeText.compact(expiresAt.timeIntervalSince(now)))",
            detail: "Token expires at \(TimeText.rfc3339(expiresAt))",
            action: .login
        )
    }

    /// Rules 12-13a: what the MCP server itself said to the connection probe.
    private static func serverAnswer(_ facts: HealthFacts) -> HealthStatus? {
        if let rejection = facts.rejectedByServer {
            return HealthStatus(
                level: .unhealthy, summary: "Token rejected by server", detail: rejection, action: .login)
        }
        if case .insufficientScope(let scope, _) = facts.probe {
            return HealthStatus(
                level: .degraded, summary: "More access needed",
                detail: scope.isEmpty
                    ? "The server needs more access than this sign-in granted; sign in again"
                    : "The server asks for scope \(scope); sign in again to grant it",
                action: .login)
        }
        if case .unreachable(let summary, let detail) = facts.probe {
            return HealthStatus(level: .degraded, summary: summary, detail: detail, action: .viewLogs)
        }
        return nil
    }

    /// Rule 14: all is well.
    private static func healthy(_ facts: HealthFacts, now: Date) -> HealthStatus {
        let summary: String
        if facts.probe == .connected {
            summary = "Connected"
        } else if let expiresAt = facts.accessTokenExpiresAt {
            summary = "Token valid for \(TimeText.compact(expiresAt.timeIntervalSince(now)))"
        } else {
            summary = "Token valid, no expiry"
        }
        let detail =
            facts.refreshState == .scheduled
            ? facts.nextAttempt.map { "Token refresh scheduled for \(TimeText.rfc3339($0))" } : nil
        return HealthStatus(level: .healthy, summary: summary, detail: detail)
    }

    /// `Refresh retry 3 scheduled for 2026-11-27T10:00:00Z: connection refused`, the error cut to 100 characters.
    static func retryDetail(_ facts: HealthFacts) -> String {
        var text = "Refresh retry \(facts.retryCount)"
        if let next = facts.nextAttempt {
            text += " scheduled for \(TimeText.rfc3339(next))"
        } else {
            text += " pending"
        }
        if let error = facts.lastError, !error.isEmpty {
            text += ": " + (error.count > 100 ? error.prefix(97) + "..." : error)
        }
        return text
    }
}
