import Foundation

/// How the demo provider treats the tokens of one server: what `oauthtop demo` shows, scripted at the provider,
/// never in oauthtop's own code paths.
public enum DemoBehaviour: Sendable, Equatable {
    /// Short-lived access tokens; refreshes answer without a new refresh token (the old one stays valid).
    case steady(lifetime: TimeInterval)
    /// Every refresh rotates the refresh token; presenting an old one revokes the whole family (reuse detection).
    case rotating(lifetime: TimeInterval)
    /// Each refresh cycle starts with `failures` HTML 503 answers, then succeeds.
    case flaky(lifetime: TimeInterval, failures: Int)
    /// Each refresh cycle starts with one 429 carrying `Retry-After: retryAfter` seconds, then succeeds.
    case throttled(lifetime: TimeInterval, retryAfter: Int)
    /// Only access tokens are issued, never a refresh token.
    case noRefreshToken(lifetime: TimeInterval)
    /// Rotating refresh tokens that the provider revokes `after` seconds into the session: `invalid_grant`.
    case revoked(lifetime: TimeInterval, after: TimeInterval)

    /// Seconds an access token lives.
    public var lifetime: TimeInterval {
        switch self {
        case .steady(let lifetime), .rotating(let lifetime), .flaky(let lifetime, _), .throttled(let lifetime, _),
            .noRefreshToken(let lifetime), .revoked(let lifetime, _):
            lifetime
        }
    }

    var issuesRefreshToken: Bool {
        if case .noRefreshToken = self { return false }
        return true
    }

    var rotates: Bool {
        switch self {
        case .rotating, .revoked: true
        default: false
        }
    }
}

/// One scripted demo server.
public struct DemoServer: Sendable, Equatable {
    public var name: String
    public var behaviour: DemoBehaviour

    public init(name: String, behaviour: DemoBehaviour) {
        self.name = name
        self.behaviour = behaviour
    }
}

/// The servers of a demo run.
public struct DemoScenario: Sendable, Equatable {
    public var servers: [DemoServer]
    /// For clients that registered themselves (RFC 7591) under a name the scenario does not know.
    public var defaultBehaviour: DemoBehaviour
    /// Seconds the token endpoint takes to answer, like a provider across the internet; long enough to see a
    /// server in `refreshing`.
    public var tokenLatency: TimeInterval

    public init(
        servers: [DemoServer], defaultBehaviour: DemoBehaviour = .rotating(lifetime: 3600),
        tokenLatency: TimeInterval = 0
    ) {
        self.servers = servers
        self.defaultBehaviour = defaultBehaviour
        self.tokenLatency = tokenLatency
    }

    public func behaviour(of server: String) -> DemoBehaviour? {
        servers.first { $0.name == server }?.behaviour
    }

    /// The six archetypes, timed so that every state appears within a minute with the demo's refresh settings
    /// (threshold 0.8, backoff 1 s doubling to 8 s, expiry warning 60 s):
    ///
    /// - `short-lived`: 15 s tokens, refreshed at 12 s, again and again.
    /// - `rotating`: 20 s tokens, a new refresh token each time.
    /// - `flaky`: three 503s at each refresh (retries at +1, +2, +4 s), so the token expires before the fourth
    ///   attempt succeeds: degraded, then unhealthy, then healthy again.
    /// - `throttled`: one 429 with Retry-After 4 s at each refresh; the retry waits for it.
    /// - `no-refresh`: a 75 s token and no refresh token: "Token expiring in …" from 15 s, action login.
    /// - `revoked`: the provider revokes the refresh token after 25 s; the refresh at 32 s gets `invalid_grant`.
    ///
    /// More than six servers repeat the archetypes (`flaky-2`, …) with lifetimes a little longer each round.
    public static func standard(servers count: Int = 6) -> DemoScenario {
        let count = max(1, count)
        var servers: [DemoServer] = []
        for index in 0..<count {
            let round = index / 6
            let stretch = TimeInterval(round * 3)
            let suffix = round == 0 ? "" : "-\(round + 1)"
            let (name, behaviour): (String, DemoBehaviour) =
                switch index % 6 {
                case 0: ("short-lived", .steady(lifetime: 15 + stretch))
                case 1: ("rotating", .rotating(lifetime: 20 + stretch))
                case 2: ("flaky", .flaky(lifetime: 20 + stretch, failures: 3))
                case 3: ("throttled", .throttled(lifetime: 25 + stretch, retryAfter: 4))
                case 4: ("no-refresh", .noRefreshToken(lifetime: 75 + stretch))
                default: ("revoked", .revoked(lifetime: 20 + stretch, after: 25 + stretch))
                }
            servers.append(DemoServer(name: name + suffix, behaviour: behaviour))
        }
        return DemoScenario(servers: servers)
    }
}
