import Foundation
import Health
import RefreshEngine
import Testing

@testable import Dashboard

@Suite struct DashboardModelLayoutTests {
    @Test func demoAt80x24ShowsEveryServerWithGlyphsAndFooter() {
        var model = Fixtures.model()
        let frame = model.render(width: 80, height: 24, now: Fixtures.now)
        #expect(frame.lines.count == 24)
        let expected = [
            "oauthtop demo  6 servers  ● 2 healthy  ▲ 2 degraded  ✗ 2 unhealthy        10:00",
            "  NAME        STATE      EXPIRES        NEXT     ACTION  SUMMARY",
            "▲ flaky       retrying 2 in 2m10s       in 3s    v logs  Token refresh pending",
            "▲ no-refresh  idle       in 45s         —        l login Token expiring in 45s",
            "✗ revoked     failed     in 30m         —        l login Refresh token expired",
            "● rotating    refreshing in 2s          now      —       Token valid for 2s",
            "● short-lived scheduled  in 14s         in 11s   —       Token valid for 14s",
            "✗ throttled   retrying 1 expired 3m ago in 5s    v logs  Token expired, refresh…",
        ]
        #expect(Array(frame.text.prefix(8)) == expected)
        #expect(frame.text[8..<23].allSatisfy { $0.isEmpty })
        #expect(frame.text[23] == "q quit  ? help  r refresh  R all  l login  L logout  v logs  / filter  s sort")
        #expect(frame.lines.allSatisfy { $0.width <= 80 })
        #expect(frame.lines[23].width <= 79, "the bottom-right cell stays empty")
    }

    @Test func demoAt200x50ShowsEveryColumnWithLevelWords() {
        var model = Fixtures.model()
        let frame = model.render(width: 200, height: 50, now: Fixtures.now)
        #expect(frame.lines.count == 50)
        let expected = [
            "oauthtop demo  6 servers  ● 2 healthy  ▲ 2 degraded  ✗ 2 unhealthy"
                + String(repeating: " ", count: 128) + "10:00",
            "LEVEL        NAME         STATE       EXPIRES         RETRY  NEXT      ACTION   SUMMARY",
            "▲ degraded   flaky        retrying    in 2m10s            2  in 3s     v logs   Token refresh pending",
            "▲ degraded   no-refresh   idle        in 45s              0  —         l login  Token expiring in 45s",
            "✗ unhealthy  revoked      failed      in 30m              0  —         l login  Refresh token expired",
            "● healthy    rotating     refreshing  in 2s               0  now       —        Token valid for 2s",
            "● healthy    short-lived  scheduled   in 14s              0  in 11s    —        Token valid for 14s",
            "✗ unhealthy  throttled    retrying    expired 3m ago      1  in 5s     v logs   Token expired, refresh retrying",
        ]
        #expect(Array(frame.text.prefix(8)) == expected)
        #expect(frame.text[8..<49].allSatisfy { $0.isEmpty })
        #expect(
            frame.text[49] == "q quit  ? help  r refresh  R all  l login  L logout  v logs  / filter  s sort  ⏎ detail")
        #expect(frame.lines.allSatisfy { $0.width <= 200 })
    }

    @Test func colourAlwaysComesWithAGlyphAndTheSelectionIsABar() {
        var model = Fixtures.model()
        let frame = model.render(width: 200, height: 50, now: Fixtures.now)
        #expect(frame.lines[0].fill == .title)
        #expect(frame.lines[1].fill == .columnHeader)
        #expect(frame.lines[2].fill == .selected)
        #expect(frame.lines[3].fill == nil)
        for (row, role, text) in [
            (3, Role.degraded, "▲ degraded"), (4, .unhealthy, "✗ unhealthy"), (5, .healthy, "● healthy"),
        ] {
            let level = frame.lines[row].spans.first
            #expect(level?.role == role)
            #expect(level?.text.hasPrefix(text) == true)
        }
        let state = frame.lines[5].spans.first { $0.text.hasPrefix("refreshing") }
        #expect(state?.role == .busy)
        let expired = frame.lines[7].spans.first { $0.text.hasPrefix("expired 3m ago") }
        #expect(expired?.role == .unhealthy)
        let key = frame.lines[4].spans.first { $0.text == "l" }
        #expect(key?.role == .key)
    }

    @Test func noLineIsWiderThanTheWindowAtAnySize() {
        var model = Fixtures.model(
            Fixtures.demo + [Fixtures.status("a-very-long-server-name-for-the-eu-west-production-cluster")])
        _ = model.handle(.enter, now: Fixtures.now)
        for (width, height) in [(20, 4), (30, 6), (40, 10), (60, 20), (80, 24), (100, 30), (132, 43), (200, 50)] {
            let frame = model.render(width: width, height: height, now: Fixtures.now)
            #expect(frame.lines.count == height)
            #expect(frame.lines.allSatisfy { $0.width <= width }, "at \(width)x\(height)")
        }
        let tiny = model.render(width: 12, height: 3, now: Fixtures.now)
        #expect(tiny.text[0] == "window too")
    }

    @Test func longNamesAndSummariesAreCutWithAnEllipsis() {
        var model = Fixtures.model([
            Fixtures.status("atlassian-confluence-production-eu-west-1", state: .retrying, retries: 3, nextIn: 20),
            Fixtures.status("sentry"),
        ])
        let wide = model.render(width: 120, height: 10, now: Fixtures.now).text
        #expect(wide[2].contains("atlassian-confluence-production…"), "names give way at 32 columns")
        let narrow = model.render(width: 60, height: 10, now: Fixtures.now).text
        #expect(narrow[2].hasPrefix("▲ atlassian-c… retrying 3 in 1h00m"))
        #expect(narrow[2].hasSuffix("Token refresh pending"))
        #expect(narrow.allSatisfy { TextWidth.of($0) <= 60 })
    }

    @Test func detailPaneShowsEverythingAboutTheSelectedServer() {
        var model = Fixtures.model()
        #expect(model.handle(.char("G"), now: Fixtures.now) == .redraw)
        #expect(model.handle(.enter, now: Fixtures.now) == .redraw)
        let frame = model.render(width: 80, height: 24, now: Fixtures.now)
        #expect(
            Array(frame.text[8..<17]) == [
                "─ throttled  http://127.0.0.1:8123/mcp ─────────────────────────────────────────",
                " Health          ✗ unhealthy: Token expired, refresh retrying",
                " Detail          Refresh retry 1 scheduled for 2026-11-27T10:00:05Z: HTTP 429: …",
                " Last error      HTTP 429: Retry-After 5",
                " Expires         2026-11-27T09:56:40Z (expired 3m ago)",
                " Next attempt    2026-11-27T10:00:05Z (in 5s), retry 1",
                " Scopes          —",
                " Token endpoint  http://127.0.0.1:8123/token",
                " Last refresh    never",
            ])
        #expect(frame.lines[7].fill == .selected)
        #expect(model.handle(.escape, now: Fixtures.now) == .redraw)
        #expect(model.pane == .none)
    }

    @Test func detailPaneShowsScopesAndTheLastRefreshWithItsDuration() {
        var model = Fixtures.model()
        for _ in 0..<4 { _ = model.handle(.down, now: Fixtures.now) }
        _ = model.handle(.enter, now: Fixtures.now)
        let text = model.render(width: 100, height: 30, now: Fixtures.now).text
        #expect(text.contains(" Scopes          mcp:read mcp:write"))
        #expect(text.contains(" Last refresh    2026-11-27T09:59:58Z (1s ago), took 42 ms"))
        #expect(text.contains(" Detail          Token refresh scheduled for 2026-11-27T10:00:11Z"))
    }

    @Test func healthIsRecomputedAtTheRenderTimeSoCountdownsStayTrue() {
        var model = Fixtures.model()
        let later = model.render(width: 200, height: 50, now: Fixtures.at(10)).text
        #expect(later[6].hasPrefix("● healthy    short-lived  scheduled   in 4s "))
        #expect(later[6].hasSuffix("in 1s     —        Token valid for 4s"))
        // The token without a refresh token expires at +45 s: the same status is now unhealthy.
        let expired = model.render(width: 200, height: 50, now: Fixtures.at(47)).text
        #expect(expired[3].hasPrefix("✗ unhealthy  no-refresh   idle        expired 2s ago"))
        #expect(expired[3].hasSuffix("l login  Token expired"))
        #expect(expired[0].contains("● 0 healthy  ▲ 3 degraded  ✗ 3 unhealthy"))
    }

    @Test func asciiFallbackUsesPlainGlyphsEverywhere() {
        var model = Fixtures.model(
            Fixtures.demo + [Fixtures.status("café-☕-server", state: .failed, error: "bad\u{1b}[31m")], ascii: true)
        _ = model.handle(.char("?"), now: Fixtures.now)
        let help = model.render(width: 80, height: 30, now: Fixtures.now).text
        #expect(help[0].hasPrefix("oauthtop demo  7 servers  + 2 healthy  ! 2 degraded  x 3 unhealthy"))
        #expect(help.contains { $0.contains("+- Keys ---") })
        #expect(help.contains { $0.contains("| Up, k      Move up") })
        #expect(help.contains { $0.contains("Levels: + healthy  ! degraded  x unhealthy") })
        _ = model.handle(.char("?"), now: Fixtures.now)
        let table = model.render(width: 80, height: 24, now: Fixtures.now)
        #expect(table.text[2] == "x caf?-?-server failed     in 1h00m       -        l login Refresh failed")
        #expect(table.text[23].hasSuffix("s sort"))
        #expect(table.text[8].hasSuffix("refre~"))
        #expect(table.text.allSatisfy { $0.allSatisfy { $0.isASCII } })
    }

    @Test func textFromProvidersCannotCarryEscapeSequences() {
        var model = Fixtures.model([
            Fixtures.status("evil", state: .failed, error: "\u{1b}]0;pwned\u{07}\u{1b}[2J gone\nnext line")
        ])
        _ = model.handle(.enter, now: Fixtures.now)
        let frame = model.render(width: 120, height: 20, now: Fixtures.now)
        #expect(frame.text.joined().unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F })
        #expect(frame.text.contains(" Last error       ]0;pwned  [2J gone next line"))
    }
}

@Suite struct DashboardModelSortAndFilterTests {
    func names(_ model: inout DashboardModel, at now: Date = Fixtures.now) -> [String] {
        model.rows(now: now).map(\.status.name)
    }

    @Test func sortCyclesThroughNameLevelAndExpiry() {
        var model = Fixtures.model()
        #expect(names(&model) == ["flaky", "no-refresh", "revoked", "rotating", "short-lived", "throttled"])
        #expect(model.handle(.char("s"), now: Fixtures.now) == .redraw)
        #expect(model.sortOrder == .level)
        #expect(names(&model) == ["revoked", "throttled", "flaky", "no-refresh", "rotating", "short-lived"])
        #expect(model.render(width: 120, height: 10, now: Fixtures.now).text[0].contains("sort: level"))
        _ = model.handle(.char("s"), now: Fixtures.now)
        #expect(model.sortOrder == .expiry)
        #expect(names(&model) == ["throttled", "rotating", "short-lived", "no-refresh", "flaky", "revoked"])
        _ = model.handle(.char("s"), now: Fixtures.now)
        #expect(model.sortOrder == .name)
    }

    @Test func serversWithoutExpirySortLast() {
        var model = Fixtures.model([
            Fixtures.status("a", expiresIn: nil), Fixtures.status("b", expiresIn: 10),
            Fixtures.status("c", expiresIn: nil, session: false),
        ])
        _ = model.handle(.char("s"), now: Fixtures.now)
        _ = model.handle(.char("s"), now: Fixtures.now)
        #expect(names(&model) == ["b", "a", "c"])
    }

    @Test func selectionFollowsTheServerWhenTheOrderChanges() {
        var model = Fixtures.model()
        _ = model.handle(.down, now: Fixtures.now)
        #expect(model.selectedName == "no-refresh")
        _ = model.handle(.char("s"), now: Fixtures.now)
        let frame = model.render(width: 120, height: 12, now: Fixtures.now)
        #expect(frame.lines[5].fill == .selected)
        #expect(frame.text[5].contains("no-refresh"))
    }

    @Test func filterIsIncrementalEnterKeepsItEscClearsIt() {
        var model = Fixtures.model()
        #expect(model.handle(.char("/"), now: Fixtures.now) == .redraw)
        #expect(model.isEditingFilter)
        for c in "fla" { _ = model.handle(.char(c), now: Fixtures.now) }
        var frame = model.render(width: 100, height: 12, now: Fixtures.now)
        #expect(frame.text[0].hasPrefix("oauthtop demo  1 of 6 servers"))
        #expect(frame.text[0].contains("filter: /fla"))
        #expect(frame.text[2].contains("flaky"))
        #expect(frame.text[3].isEmpty)
        #expect(frame.text[11] == "filter: /fla▏  ⏎ keep  Esc clear")
        for c in "ky" { _ = model.handle(.char(c), now: Fixtures.now) }
        #expect(model.handle(.enter, now: Fixtures.now) == .redraw)
        #expect(!model.isEditingFilter && model.filter == "flaky")
        frame = model.render(width: 100, height: 12, now: Fixtures.now)
        #expect(frame.text[11].hasPrefix("q quit"))
        #expect(frame.text[0].contains("filter: /flaky"))
        // r acts on the filtered row.
        #expect(model.handle(.char("r"), now: Fixtures.now) == .refresh("flaky"))
        #expect(model.handle(.escape, now: Fixtures.now) == .redraw)
        #expect(model.filter.isEmpty)
        #expect(model.rows(now: Fixtures.now).count == 6)
    }

    @Test func filterMatchesLevelStateAndSummaryToo() {
        var model = Fixtures.model()
        _ = model.handle(.char("/"), now: Fixtures.now)
        for c in "UNHEALTHY" { _ = model.handle(.char(c), now: Fixtures.now) }
        #expect(names(&model) == ["revoked", "throttled"])
        _ = model.handle(.escape, now: Fixtures.now)
        _ = model.handle(.char("/"), now: Fixtures.now)
        for c in "retrying" { _ = model.handle(.char(c), now: Fixtures.now) }
        #expect(names(&model) == ["flaky", "throttled"])
        _ = model.handle(.backspace, now: Fixtures.now)
        #expect(model.filter == "retryin")
    }

    @Test func aFilterThatMatchesNothingSaysSo() {
        var model = Fixtures.model()
        _ = model.handle(.char("/"), now: Fixtures.now)
        for c in "zzz" { _ = model.handle(.char(c), now: Fixtures.now) }
        let frame = model.render(width: 80, height: 10, now: Fixtures.now)
        #expect(frame.text[2] == " No server matches /zzz (Esc clears the filter)")
        #expect(model.handle(.char("r"), now: Fixtures.now) == .redraw, "typed into the filter, not a refresh")
        _ = model.handle(.enter, now: Fixtures.now)
        #expect(model.handle(.char("r"), now: Fixtures.now) == Effect.none, "nothing selected")
    }
}

@Suite struct DashboardModelKeyTests {
    @Test func rOnTheSelectedRowAsksForItsRefreshAndShowsRefreshingAtOnce() {
        var model = Fixtures.model()
        for _ in 0..<4 { _ = model.handle(.char("j"), now: Fixtures.now) }
        #expect(model.selectedName == "short-lived")
        #expect(model.handle(.char("r"), now: Fixtures.now) == .refresh("short-lived"))
        var row = model.render(width: 200, height: 50, now: Fixtures.now).text[6]
        #expect(row.hasPrefix("● healthy    short-lived  refreshing  in 14s              0  now"))
        // The engine's answer comes back: the row shows what the engine says.
        var refreshed = Fixtures.status("short-lived", expiresIn: 20, nextIn: 16)
        refreshed.lastRefreshAt = Fixtures.now
        model.apply(refreshed)
        model.finishRefresh("short-lived", .success(.refreshed(expiresAt: Fixtures.at(20))), now: Fixtures.now)
        let frame = model.render(width: 200, height: 50, now: Fixtures.now).text
        row = frame[6]
        #expect(row.hasPrefix("● healthy    short-lived  scheduled   in 20s              0  in 16s"))
        #expect(frame[48] == "› Refreshed short-lived: the new token expires in 20s")
    }

    @Test func refreshErrorsAndDeferralsAreFlashedAndTheFlashTimesOut() {
        var model = Fixtures.model()
        _ = model.handle(.char("r"), now: Fixtures.now)
        model.finishRefresh("flaky", .failure(.signInRequired("flaky")), now: Fixtures.now)
        var frame = model.render(width: 120, height: 10, now: Fixtures.now)
        #expect(frame.text[8] == "✗ server 'flaky' has no session; sign in with: oauthtop login flaky")
        #expect(frame.lines[8].spans.first?.role == .flashError)
        model.finishRefresh(
            "flaky", .success(.deferred(until: Fixtures.at(7), reason: "rate limited")), now: Fixtures.now)
        frame = model.render(width: 120, height: 10, now: Fixtures.at(1))
        #expect(frame.text[8] == "› flaky: refresh in 7s (rate limited)")
        frame = model.render(width: 120, height: 10, now: Fixtures.at(5))
        #expect(frame.text[8].isEmpty, "gone after five seconds")
        #expect(frame.text[9].hasPrefix("q quit"))
    }

    @Test func refreshAllMarksEveryRefreshableServer() {
        var model = Fixtures.model()
        #expect(model.handle(.char("R"), now: Fixtures.now) == .refreshAll)
        #expect(model.pendingRefresh == ["flaky", "rotating", "short-lived", "throttled", "revoked"])
        model.finishRefreshAll(
            [
                "flaky": .refreshed(expiresAt: nil),
                "rotating": .deferred(until: Fixtures.at(3), reason: "rate limited"),
            ],
            now: Fixtures.now)
        #expect(model.pendingRefresh.isEmpty)
        #expect(model.flash?.text == "Refresh all: 1 refreshed, 1 deferred by the rate limit")
    }

    @Test func logOutAsksFirstAndNoKeepsTheSession() {
        var model = Fixtures.model()
        _ = model.handle(.char("G"), now: Fixtures.now)
        #expect(model.handle(.char("L"), now: Fixtures.now) == .redraw)
        var frame = model.render(width: 80, height: 24, now: Fixtures.now)
        #expect(frame.text[23] == "Log out of throttled? Its tokens are deleted from this machine. y/n")
        #expect(frame.lines[23].spans.first?.role == .danger)
        #expect(model.handle(.char("x"), now: Fixtures.now) == Effect.none, "other keys wait for an answer")
        #expect(model.handle(.char("n"), now: Fixtures.now) == .redraw)
        #expect(model.confirmation == nil)
        frame = model.render(width: 80, height: 24, now: Fixtures.now)
        #expect(frame.text[22] == "› Kept throttled signed in")
        #expect(frame.text[23].hasPrefix("q quit"))
    }

    @Test func logOutThenYesLogsOut() {
        var model = Fixtures.model()
        _ = model.handle(.char("L"), now: Fixtures.now)
        #expect(model.handle(.char("y"), now: Fixtures.now) == .logout("flaky"))
        model.finishLogout("flaky", error: nil, now: Fixtures.now)
        #expect(model.flash?.text == "Logged out of flaky; its tokens are deleted")
        _ = model.handle(.char("L"), now: Fixtures.now)
        #expect(model.handle(.escape, now: Fixtures.now) == .redraw)
        #expect(model.confirmation == nil)
    }

    @Test func signInAndLogsAreEffectsForTheLoop() {
        var model = Fixtures.model()
        _ = model.handle(.down, now: Fixtures.now)
        #expect(model.handle(.char("l"), now: Fixtures.now) == .login("no-refresh"))
        #expect(model.handle(.char("v"), now: Fixtures.now) == .loadLogs("no-refresh"))
        var text = model.render(width: 80, height: 24, now: Fixtures.now).text
        #expect(text[8] == "─ log: no-refresh  (v or Esc closes) ───────────────────────────────────────────")
        #expect(text[9] == " loading…")
        model.showLogs((1...20).map { "line \($0)" }, for: "no-refresh")
        text = model.render(width: 80, height: 24, now: Fixtures.now).text
        #expect(text[9] == " line 10")
        #expect(text[19] == " line 20")
        model.showLogs(["ignored"], for: "flaky")
        #expect(model.render(width: 80, height: 24, now: Fixtures.now).text[19] == " line 20")
        #expect(model.handle(.char("v"), now: Fixtures.now) == .redraw)
        #expect(model.pane == .none)
    }

    @Test func escBacksOutOneLevelAtATimeAndNeverQuits() {
        var model = Fixtures.model()
        _ = model.handle(.char("/"), now: Fixtures.now)
        _ = model.handle(.char("f"), now: Fixtures.now)
        _ = model.handle(.enter, now: Fixtures.now)
        _ = model.handle(.enter, now: Fixtures.now)
        #expect(model.pane == .detail)
        #expect(model.handle(.escape, now: Fixtures.now) == .redraw)
        #expect(model.pane == .none && model.filter == "f")
        #expect(model.handle(.escape, now: Fixtures.now) == .redraw)
        #expect(model.filter.isEmpty)
        #expect(model.handle(.escape, now: Fixtures.now) == Effect.none)
    }

    @Test func helpOpensAndClosesAndQInHelpOnlyClosesIt() {
        var model = Fixtures.model()
        #expect(model.handle(.char("?"), now: Fixtures.now) == .redraw)
        #expect(model.isShowingHelp)
        #expect(model.handle(.char("r"), now: Fixtures.now) == Effect.none)
        #expect(model.handle(.char("q"), now: Fixtures.now) == .redraw)
        #expect(!model.isShowingHelp)
        _ = model.handle(.char("?"), now: Fixtures.now)
        #expect(model.handle(.char("?"), now: Fixtures.now) == .redraw)
        #expect(model.handle(.char("q"), now: Fixtures.now) == .quit)
    }

    @Test func movementKeysStayInsideTheListAndScroll() {
        let many = (0..<100).map { Fixtures.status(String(format: "server-%03d", $0)) }
        var model = Fixtures.model(many)
        #expect(model.handle(.up, now: Fixtures.now) == Effect.none)
        #expect(model.handle(.char("G"), now: Fixtures.now) == .redraw)
        var frame = model.render(width: 80, height: 24, now: Fixtures.now)
        #expect(frame.text[22].contains("server-099"))
        #expect(frame.lines[22].fill == .selected)
        #expect(frame.text[2].contains("server-079"))
        #expect(model.handle(.end, now: Fixtures.now) == Effect.none)
        #expect(model.handle(.pageUp, now: Fixtures.now) == .redraw)
        #expect(model.selectedName == "server-079")
        #expect(model.handle(.home, now: Fixtures.now) == .redraw)
        _ = model.render(width: 80, height: 24, now: Fixtures.now)
        #expect(model.handle(.pageDown, now: Fixtures.now) == .redraw)
        #expect(model.selectedName == "server-020")
        frame = model.render(width: 80, height: 24, now: Fixtures.now)
        #expect(frame.text[2].contains("server-000"))
        #expect(frame.lines[22].fill == .selected)
        #expect(model.handle(.down, now: Fixtures.now) == .redraw)
        frame = model.render(width: 80, height: 24, now: Fixtures.now)
        #expect(frame.text[2].contains("server-001"), "scrolled by one")
    }
}

@Suite struct DashboardRepaintScheduleTests {
    @Test func aCountdownOnScreenRepaintsOnTheNextWholeSecond() {
        var model = Fixtures.model()
        _ = model.render(width: 80, height: 24, now: Fixtures.at(0.25))
        #expect(model.nextRepaint(after: Fixtures.at(0.25)) == Fixtures.at(1))
    }

    @Test func withoutCountdownsOnlyTheClockMinuteRepaints() {
        var model = Fixtures.model((0..<100).map { Fixtures.status("s\($0)", state: .idle, expiresIn: nil) })
        _ = model.render(width: 80, height: 24, now: Fixtures.at(12.5))
        #expect(model.nextRepaint(after: Fixtures.at(12.5)) == Fixtures.at(60))
    }

    @Test func minuteCountdownsRepaintWhenTheirMinuteTurns() {
        var model = Fixtures.model([Fixtures.status("a", expiresIn: 42 * 60 + 20.5, nextIn: 30 * 60 + 10)])
        _ = model.render(width: 80, height: 24, now: Fixtures.now)
        #expect(abs(model.nextRepaint(after: Fixtures.now).timeIntervalSince(Fixtures.at(10.001))) < 1e-6)
    }

    @Test func aFlashRepaintsWhenItRunsOut() {
        var model = Fixtures.model([Fixtures.status("a", state: .idle, expiresIn: nil)])
        model.showFlash("hello", now: Fixtures.at(2))
        _ = model.render(width: 80, height: 24, now: Fixtures.at(2))
        #expect(model.nextRepaint(after: Fixtures.at(2)) == Fixtures.at(7))
    }

    @Test func offScreenServersStillRepaintWhenTheirLevelChanges() {
        // 40 quiet servers, then one whose token without refresh token enters the warning in 90 s.
        let quiet = (0..<40).map { Fixtures.status("a\($0)", state: .idle, expiresIn: nil) }
        var model = Fixtures.model(quiet + [Fixtures.status("z", state: .idle, expiresIn: 150, refreshToken: false)])
        _ = model.render(width: 80, height: 10, now: Fixtures.now)
        #expect(model.nextRepaint(after: Fixtures.now) == Fixtures.at(60))
        #expect(model.nextRepaint(after: Fixtures.at(60)) == Fixtures.at(90))
    }
}
