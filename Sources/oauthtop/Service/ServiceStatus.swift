import Foundation
import Health
import RefreshEngine

/// Servers per health level, and those that need a sign-in, as `list --check` counts them.
struct HealthCounts: Equatable, Encodable {
    var healthy = 0
    var degraded = 0
    var unhealthy = 0
    var signInNeeded: [String] = []

    enum CodingKeys: String, CodingKey {
        case healthy, degraded, unhealthy, signInNeeded = "sign_in_needed"
    }

    init(_ statuses: [ServerStatus]) {
        for status in statuses where status.facts.enabled {
            switch status.health.level {
            case .healthy: healthy += 1
            case .degraded: degraded += 1
            case .unhealthy: unhealthy += 1
            }
            if ListCheck.needsSignIn(status) { signInNeeded.append(status.name) }
        }
    }

    var text: String {
        var line = "servers: \(healthy) healthy, \(degraded) degraded, \(unhealthy) unhealthy"
        if !signInNeeded.isEmpty {
            line += "; \(signInNeeded.count) need a sign-in (\(signInNeeded.joined(separator: ", ")))"
        }
        return line
    }
}

/// `service status`: the service and the servers.
struct ServiceStatus: Encodable {
    var service: ServiceState
    var servers: HealthCounts

    var text: String { service.text + "\n" + servers.text }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
