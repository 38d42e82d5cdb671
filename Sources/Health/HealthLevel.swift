/// How well a server's OAuth session is doing, worst last.
public enum HealthLevel: String, Sendable, Codable, CaseIterable, Comparable {
    case healthy
    case degraded
    case unhealthy

    public static func < (lhs: HealthLevel, rhs: HealthLevel) -> Bool {
        lhs.rank < rhs.rank
    }

    private var rank: Int {
        switch self {
        case .healthy: 0
        case .degraded: 1
        case .unhealthy: 2
        }
    }
}

/// What the user should do next; mcpproxy's action names, so existing scripts keep working.
public enum SuggestedAction: String, Sendable, Codable, CaseIterable {
    case login
    case viewLogs = "view_logs"
    case configure
    case enable
}
