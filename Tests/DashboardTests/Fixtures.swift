import Dashboard
import Foundation
import Health
import RefreshEngine

/// A fixed moment and a fixed set of servers, one in each interesting state, as the demo shows them.
enum Fixtures {
    /// 2026-11-27T10:00:00Z
    static let now = Date(timeIntervalSince1970: 1_795_773_600)
    static let utc = TimeZone(identifier: "UTC")!

    static func at(_ seconds: TimeInterval) -> Date { now.addingTimeInterval(seconds) }

    static func status(
        _ name: String, state: RefreshState = .scheduled, expiresIn: TimeInterval? = 3600, refreshToken: Bool = true,
        retries: Int = 0, nextIn: TimeInterval? = nil, error: String? = nil, invalidGrant: Bool = false,
        session: Bool = true, lastRefreshAgo: TimeInterval? = nil, duration: Double? = nil, scope: String? = nil
    ) -> ServerStatus {
        let facts = HealthFacts(
            hasSession: session, accessTokenExpiresAt: expiresIn.map(at), hasRefreshToken: refreshToken,
            refreshState: state, retryCount: retries, nextAttempt: nextIn.map(at), lastError: error,
            failedWithInvalidGrant: invalidGrant)
        return ServerStatus(
            name: name, url: "http://127.0.0.1:8123/mcp", facts: facts,
            health: HealthCalculator().evaluate(facts, now: now), observedAt: now,
            issuedAt: session ? at(-60) : nil, scope: scope,
            tokenEndpoint: session ? "http://127.0.0.1:8123/token" : nil,
            lastRefreshAt: lastRefreshAgo.map { at(-$0) }, lastRefreshDuration: duration,
            canRefresh: session && refreshToken && state != .loggedOut && state != .signingIn)
    }

    static let demo: [ServerStatus] = [
        status(
            "short-lived", expiresIn: 14.4, nextIn: 11.2, lastRefreshAgo: 1.6, duration: 0.042,
            scope: "mcp:read mcp:write"),
        status("rotating", state: .refreshing, expiresIn: 2.5),
        status(
            "flaky", state: .retrying, expiresIn: 130, retries: 2, nextIn: 3.5,
            error: "HTTP 503: HTML page of 118 bytes"),
        status(
            "throttled", state: .retrying, expiresIn: -200, retries: 1, nextIn: 5,
            error: "HTTP 429: Retry-After 5"),
        status("no-refresh", state: .idle, expiresIn: 45, refreshToken: false),
        status(
            "revoked", state: .failed, expiresIn: 1800, error: "HTTP 400 invalid_grant: refresh token revoked",
            invalidGrant: true),
    ]

    static func model(_ statuses: [ServerStatus] = demo, ascii: Bool = false, expiryWarning: TimeInterval = 60)
        -> DashboardModel
    {
        var model = DashboardModel(title: "oauthtop demo", ascii: ascii, expiryWarning: expiryWarning, timeZone: utc)
        model.apply(statuses)
        return model
    }
}
