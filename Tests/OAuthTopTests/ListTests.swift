import Foundation
import Health
import RefreshEngine
import Testing
import TokenStore

@testable import oauthtop

@Suite struct ListTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func stored(_ name: String, session: StoredSession?, enabled: Bool = true) -> ServerStatus {
        ServerStatus.stored(
            ServerDefinition(name: name, url: "https://\(name).example.com/mcp", enabled: enabled), session: session,
            saved: nil, policy: RefreshPolicy(), now: Self.now)
    }

    @Test func checkSaysWhatAScriptNeeds() {
        let good = StoredSession(
            server: "ok", accessToken: "at", refreshToken: "rt", issuedAt: Self.now,
            expiresAt: Self.now.addingTimeInterval(3600))
        let expiring = StoredSession(
            server: "expiring", accessToken: "at", issuedAt: Self.now, expiresAt: Self.now.addingTimeInterval(600))
        let expired = StoredSession(
            server: "expired", accessToken: "at", issuedAt: Self.now, expiresAt: Self.now.addingTimeInterval(-1))
        let healthy = ListCheck([Self.stored("ok", session: good), Self.stored("off", session: nil, enabled: false)])
        #expect(healthy.exit == .ok && healthy.line == "check: 1 healthy")
        let degraded = ListCheck([Self.stored("ok", session: good), Self.stored("expiring", session: expiring)])
        #expect(degraded.exit == .retryable)
        #expect(degraded.line == "check: 1 healthy, 1 degraded or unhealthy (expiring)")
        let signIn = ListCheck([
            Self.stored("expiring", session: expiring), Self.stored("expired", session: expired),
            Self.stored("new", session: nil),
        ])
        #expect(signIn.exit == .signIn)
        #expect(signIn.line == "check: 0 healthy, 1 degraded or unhealthy (expiring), 2 need a sign-in (expired, new)")
    }

    @Test func everyElementHasExactlyTheDocumentedKeys() throws {
        let definition = ServerDefinition(name: "jira", url: "https://mcp.atlassian.com/v1/sse")
        let session = StoredSession(
            server: "jira", accessToken: "at_SECRET", refreshToken: "rt_SECRET", issuedAt: Self.now,
            expiresAt: Self.now.addingTimeInterval(3600))
        let statuses = [
            ServerStatus.stored(
                definition, session: session,
                saved: StoredRefreshState(state: "scheduled", nextAttempt: Self.now.addingTimeInterval(2880)),
                policy: RefreshPolicy(), now: Self.now),
            ServerStatus.stored(
                ServerDefinition(name: "new", url: "https://new.example.com/mcp"), session: nil, saved: nil,
                policy: RefreshPolicy(), now: Self.now),
        ]
        let text = try ListJSON.render(statuses)
        #expect(!text.contains("SECRET"))
        let array = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        let keys: Set<String> = [
            "name", "url", "level", "summary", "detail", "action", "refresh_state", "retry_count", "next_attempt",
            "expires_at", "last_error", "has_refresh_token", "last_refresh_at",
        ]
        #expect(array.allSatisfy { Set($0.keys) == keys })
        #expect(array[0]["level"] as? String == "healthy")
        #expect(array[0]["summary"] as? String == "Token valid for 1h")
        #expect(array[0]["refresh_state"] as? String == "scheduled")
        #expect(array[0]["next_attempt"] as? String == "2027-01-15T08:48:00Z")
        #expect(array[0]["expires_at"] as? String == "2027-01-15T09:00:00Z")
        #expect(array[0]["has_refresh_token"] as? Bool == true)
        #expect(array[0]["action"] is NSNull)
        #expect(array[1]["summary"] as? String == "Sign-in required")
        #expect(array[1]["action"] as? String == "login")
        #expect(array[1]["expires_at"] is NSNull)
    }

    @Test func tableShowsRelativeTimes() {
        let definition = ServerDefinition(name: "jira", url: "https://x/mcp")
        let accessToken = "at-7Qm2xV9kR4tB8nW1zL6pJ3hF0dS5gYcE"
        let refreshToken = "rt-Kd3Wn8Zq1Xv6Bm4Rt9Lp2Hs7Jf0Gc5Ya"
        let session = StoredSession(
            server: "jira", accessToken: accessToken, refreshToken: refreshToken,
            issuedAt: Self.now.addingTimeInterval(-3780), expiresAt: Self.now.addingTimeInterval(-180))
        let status = ServerStatus.stored(
            definition, session: session,
            saved: StoredRefreshState(
                state: "retrying", retryCount: 2, nextAttempt: Self.now.addingTimeInterval(80), lastError: "HTTP 503"),
            policy: RefreshPolicy(), now: Self.now)
        let table = ListTable.render([status], now: Self.now)
        let lines = table.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("NAME"))
        #expect(lines[1].contains("unhealthy"))
        #expect(lines[1].contains("expired 3m00s ago"))
        #expect(lines[1].contains("in 1m20s"))
        #expect(lines[1].hasSuffix("Token expired, refresh retrying"))
        #expect(!table.contains(accessToken) && !table.contains(refreshToken))
    }
}

@Suite struct ListWatchTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let statuses = [
        ListTests.stored(
            "jira",
            session: StoredSession(
                server: "jira", accessToken: "at", refreshToken: "rt", issuedAt: now,
                expiresAt: now.addingTimeInterval(3600))),
        ListTests.stored("wiki", session: nil),
    ]

    @Test func onATerminalEachFrameRedrawsFromTheTopAndClearsWhatWasLeft() {
        let frame = ListWatch(json: false, interval: 2, toTerminal: true).frame(Self.statuses, now: Self.now)
        let table = ListTable.render(Self.statuses, now: Self.now)
        #expect(frame.hasPrefix("\u{1B}[Hoauthtop list, every 2 s: 2027-01-15T08:00:00Z\u{1B}[K\n\n"))
        #expect(frame.hasSuffix("\u{1B}[J"))
        #expect(frame.replacingOccurrences(of: "\u{1B}[K", with: "").contains(table))
        #expect(frame.components(separatedBy: "\u{1B}[K").count == table.split(separator: "\n").count + 2)
    }

    @Test func intoAPipeEachTableFollowsTheLastUnderItsTime() {
        let frame = ListWatch(json: false, interval: 0.5, toTerminal: false).frame(Self.statuses, now: Self.now)
        #expect(
            frame
                == "oauthtop list, every 0.5 s: 2027-01-15T08:00:00Z\n" + ListTable.render(Self.statuses, now: Self.now)
                + "\n\n")
        #expect(!frame.contains("\u{1B}"))
    }

    @Test func withJSONEachFrameIsOneArrayOnOneLine() throws {
        let frame = ListWatch(json: true, interval: 2, toTerminal: true).frame(Self.statuses, now: Self.now)
        #expect(frame.hasSuffix("\n") && frame.dropLast().split(separator: "\n").count == 1)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(frame.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["name"] as? String } == ["jira", "wiki"])
        #expect(rows.map { $0["level"] as? String } == ["healthy", "degraded"])
    }
}
