import Foundation
import Health
import TokenStore

@testable import RefreshEngine

/// Records at a fixed moment, for driving transitions as plain functions: no actor, no clock, no store.
enum Records {
    /// 2027-01-15T08:00:00Z
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let client = ClientRegistration(
        tokenEndpoint: "https://auth.example.com/token", clientID: "client-7f3a",
        resource: "https://jira.example.com/mcp")

    static func at(_ seconds: TimeInterval) -> Date { now.addingTimeInterval(seconds) }

    static func context(
        at seconds: TimeInterval = 0, policy: RefreshPolicy = RefreshPolicy(), probes: Bool = true
    ) -> TransitionContext {
        TransitionContext(now: at(seconds), policy: policy, jitter: { 0 }, probesEnabled: probes)
    }

    /// A session issued `age` seconds before `now`, living `lifetime` seconds.
    static func session(
        age: TimeInterval = 0, lifetime: TimeInterval? = 3600, refreshToken: String? = "rt-9c41d07be2",
        accessToken: String = "at-5be1f0a7c3", refreshTokenExpiresAt: Date? = nil, client: ClientRegistration? = client
    ) -> StoredSession {
        let issued = at(-age)
        return StoredSession(
            server: "jira", accessToken: accessToken, refreshToken: refreshToken, scope: "mcp read", issuedAt: issued,
            expiresAt: lifetime.map { issued.addingTimeInterval($0) }, refreshTokenExpiresAt: refreshTokenExpiresAt,
            client: client)
    }

    /// A record for server `jira` holding `session`, planned at `now` as the engine's start would.
    static func planned(
        _ session: StoredSession? = session(), definition: ServerDefinition = jira,
        policy: RefreshPolicy = RefreshPolicy()
    ) -> ServerRecord {
        var record = ServerRecord(definition: definition)
        record.session = session
        _ = record.plan(context(policy: policy))
        return record
    }

    static let jira = ServerDefinition(name: "jira", url: "https://jira.example.com/mcp")

    /// A task that stands for a running refresh or sign-in.
    static func refreshTask() -> Task<RefreshOutcome, Never> { Task { .failed(error: "placeholder") } }
    static func signInTask() -> Task<StoredSession, any Error> { Task { throw CancellationError() } }

    static func messages(_ effects: Effects) -> [String] { effects.log.map(\.message) }
}
