import Foundation
import Health
import RefreshEngine
import Testing
import TokenStore

@testable import oauthtop

@Suite struct NotificationPolicyTests {
    static let healthy = HealthStatus(level: .healthy, summary: "Token valid for 42m")
    static let expired = HealthStatus(
        level: .unhealthy, summary: "Refresh token expired", detail: "Re-authentication required: invalid_grant",
        action: .login)
    static let pending = HealthStatus(level: .degraded, summary: "Token refresh pending", action: .viewLogs)
    static let waiting = HealthStatus(level: .degraded, summary: "Waiting for browser sign-in", detail: "auth.example")

    @Test func oneNotificationPerChangeToLogin() {
        var policy = NotificationPolicy()
        #expect(policy.observe(server: "jira", health: Self.healthy, signingIn: false) == nil)
        #expect(policy.observe(server: "jira", health: Self.pending, signingIn: false) == nil)
        let told = policy.observe(server: "jira", health: Self.expired, signingIn: false)
        #expect(told == NotificationPolicy.Notification(server: "jira", summary: "Refresh token expired"))
        #expect(told?.title == "oauthtop: jira needs you")
        #expect(told?.body == "Refresh token expired — run: oauthtop login jira")
        // Still needing the user, with a new summary: no repeat.
        #expect(policy.observe(server: "jira", health: Self.expired, signingIn: false) == nil)
        let loggedOut = HealthStatus(level: .unhealthy, summary: "Logged out", action: .login)
        #expect(policy.observe(server: "jira", health: loggedOut, signingIn: false) == nil)
        // Recovered, then needs the user again: told again.
        #expect(policy.observe(server: "jira", health: Self.healthy, signingIn: false) == nil)
        #expect(policy.observe(server: "jira", health: Self.expired, signingIn: false) != nil)
    }

    @Test func alreadyNeedingLoginAtStartupIsToldOnce() {
        var policy = NotificationPolicy()
        let never = HealthStatus(level: .degraded, summary: "Sign-in required", action: .login)
        #expect(
            policy.observe(server: "wiki", health: never, signingIn: false)?.body
                == "Sign-in required — run: oauthtop login wiki")
        #expect(policy.observe(server: "wiki", health: never, signingIn: false) == nil)
    }

    @Test func aBrowserSignInThatFailsIsNotARecovery() {
        var policy = NotificationPolicy()
        #expect(policy.observe(server: "jira", health: Self.expired, signingIn: false) != nil)
        #expect(policy.observe(server: "jira", health: Self.waiting, signingIn: true) == nil)
        #expect(policy.observe(server: "jira", health: Self.expired, signingIn: false) == nil)
    }

    @Test func serversAreIndependent() {
        var policy = NotificationPolicy()
        #expect(policy.observe(server: "a", health: Self.expired, signingIn: false)?.server == "a")
        #expect(policy.observe(server: "b", health: Self.expired, signingIn: false)?.server == "b")
        #expect(policy.observe(server: "a", health: Self.expired, signingIn: false) == nil)
        #expect(policy.told == ["a", "b"])
    }

    @Test func otherActionsNeverNotify() {
        var policy = NotificationPolicy()
        let disabled = HealthStatus(level: .healthy, summary: "Disabled", action: .enable)
        let misconfigured = HealthStatus(level: .unhealthy, summary: "OAuth configuration error", action: .configure)
        for health in [disabled, misconfigured, Self.pending, Self.healthy] {
            #expect(policy.observe(server: "x", health: health, signingIn: false) == nil)
        }
    }

    @Test func textIsMadeSafeForATerminal() {
        let notification = NotificationPolicy.Notification(server: "x", summary: "bad\u{1b}[2Jsummary")
        #expect(!notification.body.contains("\u{1b}"))
    }

    @Test func batchesOfStatusesAsTheEngineComputesThem() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func stored(_ name: String, _ session: StoredSession?, enabled: Bool = true) -> ServerStatus {
            ServerStatus.stored(
                ServerDefinition(name: name, url: "https://\(name).example.com/mcp", enabled: enabled),
                session: session, saved: nil, policy: RefreshPolicy(), now: now)
        }
        let good = StoredSession(
            server: "ok", accessToken: "at-secret", refreshToken: "rt-secret", issuedAt: now,
            expiresAt: now.addingTimeInterval(3600))
        var policy = NotificationPolicy()
        let first = policy.observe([stored("ok", good), stored("new", nil), stored("off", nil, enabled: false)])
        #expect(first.map(\.server) == ["new"])
        #expect(first.first?.body == "Sign-in required — run: oauthtop login new")
        #expect(!first.contains { $0.title.contains("secret") || $0.body.contains("secret") })
        #expect(policy.observe([stored("new", nil), stored("ok", good)]).isEmpty)
    }
}
