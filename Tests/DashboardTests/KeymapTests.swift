import Testing

@testable import Dashboard

@Suite struct KeymapTests {
    @Test func everyDesignKeyIsBound() {
        let map = Keymap.standard
        let expected: [(Key, Command)] = [
            (.char("r"), .refresh), (.char("R"), .refreshAll), (.char("l"), .login), (.char("L"), .logout),
            (.char("v"), .logs), (.char("/"), .filter), (.char("s"), .sort), (.enter, .detail), (.char("?"), .help),
            (.char("q"), .quit), (.ctrlC, .quit), (.escape, .back), (.up, .up), (.char("k"), .up), (.down, .down),
            (.char("j"), .down), (.char("g"), .top), (.char("G"), .bottom), (.pageUp, .pageUp),
            (.pageDown, .pageDown),
        ]
        for (key, command) in expected {
            #expect(map.command(for: key) == command, "\(key)")
        }
        #expect(map.command(for: .char("x")) == nil)
        #expect(Set(map.bindings.map(\.command)) == Set(Command.allCases))
    }

    @Test func onlyLogOutIsDangerous() {
        #expect(Keymap.standard.bindings.filter(\.dangerous).map(\.command) == [.logout])
    }

    @Test func footerIsBuiltFromTheTable() {
        let hints = Keymap.standard.footerHints(.unicode).map { "\($0.key) \($0.word)" }
        #expect(
            hints == [
                "q quit", "? help", "r refresh", "R all", "l login", "L logout", "v logs", "/ filter", "s sort",
                "⏎ detail",
            ])
        #expect(Keymap.standard.footerHints(.ascii).last.map { "\($0.key) \($0.word)" } == "Enter detail")
    }

    @Test func helpListsEveryBindingWithItsDescription() {
        var model = Fixtures.model()
        _ = model.handle(.char("?"), now: Fixtures.now)
        let text = model.render(width: 100, height: 30, now: Fixtures.now).text
        #expect(text.contains { $0.contains("┌─ Keys ─") })
        for binding in Keymap.standard.bindings {
            let keys = binding.keys.map { $0.label(.unicode) }.joined(separator: ", ")
            #expect(text.contains { $0.contains(keys) && $0.contains(binding.description) }, "\(binding.command)")
        }
        #expect(text[29] == "Esc close help  Ctrl-C quit")
    }

    @Test func aDifferentTableChangesFooterAndHelpTogether() {
        let map = Keymap([
            KeyBinding([.char("x")], .quit, "Leave", footer: "leave"),
            KeyBinding([.char("?")], .help, "Keys", footer: "keys"),
        ])
        var model = DashboardModel(title: "t", timeZone: Fixtures.utc, keymap: map)
        model.apply(Fixtures.demo)
        #expect(model.render(width: 80, height: 10, now: Fixtures.now).text[9] == "x leave  ? keys")
        #expect(model.handle(.char("q"), now: Fixtures.now) == Effect.none)
        #expect(model.handle(.char("x"), now: Fixtures.now) == .quit)
    }

    /// The ACTION column writes the key that does the suggested action as the key table binds it.
    @Test func theActionColumnFollowsTheTable() {
        let map = Keymap([
            KeyBinding([.char("i")], .login, "Sign in", footer: "sign-in"),
            KeyBinding([.char("o")], .logs, "Log lines", footer: "log"),
        ])
        var model = DashboardModel(title: "t", expiryWarning: 60, timeZone: Fixtures.utc, keymap: map)
        model.apply(Fixtures.demo)
        let text = model.render(width: 120, height: 12, now: Fixtures.now).text
        let revoked = text.first { $0.contains("revoked") } ?? ""
        let flaky = text.first { $0.contains("flaky") } ?? ""
        #expect(revoked.contains("i sign-in  Refresh token expired"))
        #expect(flaky.contains("o log      Token refresh pending"))
        #expect(!text.joined().contains("l login"))
    }

    @Test func actionsWithoutAKeyAreWrittenAsTheirContractNames() {
        var model = DashboardModel(title: "t", timeZone: Fixtures.utc, keymap: Keymap([]))
        model.apply(Fixtures.demo)
        let text = model.render(width: 120, height: 12, now: Fixtures.now).text
        let revoked = text.first { $0.contains("revoked") } ?? ""
        let flaky = text.first { $0.contains("flaky") } ?? ""
        #expect(revoked.contains("—         login      Refresh token expired"))
        #expect(flaky.contains("in 3s     view_logs  Token refresh pending"))
    }

    @Test func theHelpTextSummaryIsBuiltFromTheFooterHints() {
        #expect(
            Keymap.standard.summary
                == "Keys: q quit, ? help, r refresh, R all, l login, L logout, v logs, / filter, s sort, Enter detail.")
    }
}
