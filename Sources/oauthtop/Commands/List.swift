import ArgumentParser
import Foundation
import Health
import RefreshEngine

extension OAuthTop {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every configured server's session and health, as the store has it.")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Print a JSON array (keys: name, url, level, summary, detail, action, refresh_state, …).")
        var json = false

        @Flag(
            help: ArgumentHelp(
                "Exit 0 when every enabled server is healthy, 1 when one is degraded or unhealthy, 3 when one needs a sign-in.",
                discussion: "For scripts and status bars: prints one line on stderr, and the table only with --json."))
        var check = false

        @Flag(
            help:
                "Redraw the table in place every --interval seconds (a new table each time when stdout is not a terminal; one JSON array per line with --json)."
        )
        var watch = false

        @Option(help: ArgumentHelp("Seconds between redraws with --watch (0.1 to 86400).", valueName: "seconds"))
        var interval: Double = 2

        func validate() throws {
            if watch && check { throw ValidationError("--watch and --check do not go together: --check answers once") }
            if !watch && interval != 2 { throw ValidationError("--interval needs --watch") }
            guard interval.isFinite, (0.1...86_400).contains(interval) else {
                throw ValidationError("--interval must be between 0.1 and 86400 seconds (got \(interval))")
            }
        }

        func run() async throws {
            let runtime = try Runtime.open(global)
            if watch {
                try await ListWatch(json: json, interval: interval).run { try await storedStatuses(runtime) }
                return
            }
            let statuses = try await storedStatuses(runtime)
            if check {
                if json { print(try ListJSON.render(statuses)) }
                let verdict = ListCheck(statuses)
                printError(verdict.line)
                if verdict.exit != .ok { throw ExitCode(verdict.exit.rawValue) }
                return
            }
            if json {
                print(try ListJSON.render(statuses))
            } else {
                print(ListTable.render(statuses, now: Date()))
                if !runtime.config.skipped.isEmpty {
                    printError(
                        "skipped (no url, not an HTTP server): \(runtime.config.skipped.joined(separator: ", "))")
                }
            }
        }
    }
}

/// `list --check`: one verdict over the enabled servers.
struct ListCheck {
    let exit: Exit
    let line: String

    init(_ statuses: [ServerStatus]) {
        let enabled = statuses.filter { $0.facts.enabled }
        let needsSignIn = Self.needsSignIn
        let signIn = enabled.filter(needsSignIn).map(\.name)
        let unwell = enabled.filter { $0.health.level != .healthy && !needsSignIn($0) }.map(\.name)
        let healthy = enabled.count - signIn.count - unwell.count
        var parts = ["\(healthy) healthy"]
        if !unwell.isEmpty { parts.append("\(unwell.count) degraded or unhealthy (\(unwell.joined(separator: ", ")))") }
        if !signIn.isEmpty { parts.append("\(signIn.count) need a sign-in (\(signIn.joined(separator: ", ")))") }
        line = "check: " + parts.joined(separator: ", ")
        exit = !signIn.isEmpty ? .signIn : !unwell.isEmpty ? .retryable : .ok
    }

    /// Needs a sign-in: nothing works without one (no session, logged out, refresh failed, expired with no refresh
    /// token, rejected). A session that still works but will not last ("Token expiring in 12m", "More access
    /// needed") is degraded.
    static func needsSignIn(_ status: ServerStatus) -> Bool {
        status.health.action == .login && (status.health.level == .unhealthy || !status.facts.hasSession)
    }
}

/// Every configured server's status from the store, without starting the engine.
func storedStatuses(_ runtime: Runtime, now: Date = Date()) async throws -> [ServerStatus] {
    let sessions = Dictionary(
        try await runtime.store.sessions().map { ($0.server, $0) }, uniquingKeysWith: { first, _ in first })
    let states = try await runtime.store.refreshStates()
    return runtime.config.definitions.map {
        ServerStatus.stored(
            $0, session: sessions[$0.name], saved: states[$0.name], policy: runtime.config.refresh, now: now)
    }
}

/// `list --json`: exactly the keys of DESIGN.md section 4, null where unknown.
enum ListJSON {
    struct Row: Encodable {
        var name: String
        var url: String?
        var level: String
        var summary: String
        var detail: String?
        var action: String?
        var refreshState: String
        var retryCount: Int
        var nextAttempt: String?
        var expiresAt: String?
        var lastError: String?
        var hasRefreshToken: Bool
        var lastRefreshAt: String?

        enum CodingKeys: String, CodingKey {
            case name, url, level, summary, detail, action
            case refreshState = "refresh_state", retryCount = "retry_count", nextAttempt = "next_attempt"
            case expiresAt = "expires_at", lastError = "last_error", hasRefreshToken = "has_refresh_token"
            case lastRefreshAt = "last_refresh_at"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(url, forKey: .url)
            try container.encode(level, forKey: .level)
            try container.encode(summary, forKey: .summary)
            try container.encode(detail, forKey: .detail)
            try container.encode(action, forKey: .action)
            try container.encode(refreshState, forKey: .refreshState)
            try container.encode(retryCount, forKey: .retryCount)
            try container.encode(nextAttempt, forKey: .nextAttempt)
            try container.encode(expiresAt, forKey: .expiresAt)
            try container.encode(lastError, forKey: .lastError)
            try container.encode(hasRefreshToken, forKey: .hasRefreshToken)
            try container.encode(lastRefreshAt, forKey: .lastRefreshAt)
        }
    }

    static func rows(_ statuses: [ServerStatus]) -> [Row] {
        statuses.map { status in
            Row(
                name: status.name, url: status.url, level: status.health.level.rawValue, summary: status.health.summary,
                detail: status.health.detail, action: status.health.action?.rawValue,
                refreshState: status.refreshState.rawValue, retryCount: status.retryCount,
                nextAttempt: status.nextAttempt.map(TimeText.rfc3339),
                expiresAt: status.expiresAt.map(TimeText.rfc3339),
                lastError: status.lastError, hasRefreshToken: status.hasRefreshToken,
                lastRefreshAt: status.lastRefreshAt.map(TimeText.rfc3339))
        }
    }

    /// The same array on one line (`list --watch --json`: one array per line).
    static func line(_ statuses: [ServerStatus]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // Strings, numbers, booleans and nulls only: encoding cannot fail.
        return (try? String(decoding: encoder.encode(rows(statuses)), as: UTF8.self)) ?? "[]"
    }

    static func render(_ statuses: [ServerStatus]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(rows(statuses)), as: UTF8.self)
    }
}

/// `list`: one aligned row per server.
enum ListTable {
    static func render(_ statuses: [ServerStatus], now: Date) -> String {
        let header = ["NAME", "LEVEL", "STATE", "EXPIRES", "RETRIES", "NEXT ATTEMPT", "ACTION", "SUMMARY"]
        var rows = [header]
        for status in statuses {
            rows.append([
                status.name,
                status.health.level.rawValue,
                status.refreshState.rawValue,
                status.expiresAt.map { expiry(TimeText.relative($0, now: now)) } ?? "-",
                "\(status.retryCount)",
                status.nextAttempt.map { TimeText.relative($0, now: now) } ?? "-",
                status.health.action.map { "\($0.rawValue)" } ?? "-",
                status.health.summary,
            ])
        }
        if statuses.isEmpty { return "no servers configured" }
        let widths = (0..<header.count - 1).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index] + 2, withPad: " ", startingAt: 0)
            }.joined()
        }.joined(separator: "\n")
    }

    private static func expiry(_ relative: String) -> String {
        relative.hasSuffix(" ago") ? "expired " + relative : relative
    }
}
