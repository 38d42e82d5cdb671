import Foundation
import Testing

@testable import Dashboard

@Suite struct TextWidthTests {
    @Test func widthsAreTerminalColumns() {
        #expect(TextWidth.of("abc") == 3)
        #expect(TextWidth.of("● ▲ ✗ … —") == 9)
        #expect(TextWidth.of("漢字") == 4)
        #expect(TextWidth.of("e\u{301}") == 1)
        #expect(TextWidth.of("🔑") == 2)
        #expect(TextWidth.of("") == 0)
    }

    @Test func truncationEndsWithTheEllipsisAndNeverOverflows() {
        #expect(TextWidth.truncate("abcdef", to: 6, ellipsis: "…") == "abcdef")
        #expect(TextWidth.truncate("abcdefg", to: 6, ellipsis: "…") == "abcde…")
        #expect(TextWidth.truncate("abcdefg", to: 6, ellipsis: "~") == "abcde~")
        #expect(TextWidth.truncate("漢字漢字", to: 5, ellipsis: "…") == "漢字…")
        #expect(TextWidth.truncate("漢字漢字", to: 4, ellipsis: "…") == "漢…")
        #expect(TextWidth.truncate("abc", to: 0, ellipsis: "…") == "")
        #expect(TextWidth.fit("ab", to: 4, ellipsis: "…") == "ab  ")
        #expect(TextWidth.fit("7", to: 4, ellipsis: "…", alignRight: true) == "   7")
        #expect(TextWidth.fit("abcdef", to: 4, ellipsis: "…") == "abc…")
    }

    @Test func linesClipBySpans() {
        let line = Line([Span("● ", .healthy), Span("healthy-server", .normal)])
        let clipped = line.clipped(to: 8, ellipsis: "…")
        #expect(clipped.text == "● healt…")
        #expect(clipped.spans.map(\.role) == [.healthy, .normal])
        #expect(line.clipped(to: 40, ellipsis: "…") == line)
    }

    @Test func sanitizeRemovesControlsAndTransliteratesInAscii() {
        #expect(TextWidth.sanitize("plain", ascii: false) == "plain")
        #expect(TextWidth.sanitize("a\u{1b}[2Jb\tc\n", ascii: false) == "a [2Jb c ")
        #expect(TextWidth.sanitize("café ✓", ascii: true) == "caf? ?")
        #expect(TextWidth.sanitize("café ✓", ascii: false) == "café ✓")
    }
}

@Suite struct SchemeTests {
    @Test func noColorMeansMonochrome() {
        #expect(Scheme.forEnvironment(noColor: nil).name == "color")
        #expect(Scheme.forEnvironment(noColor: "").name == "color")
        #expect(Scheme.forEnvironment(noColor: "1").name == "monochrome")
    }

    @Test func monochromeHasNoColourButKeepsTheBarsAndWeights() {
        let mono = Scheme.monochrome
        #expect(Role.allCases.allSatisfy { !mono.appearance($0).hasColor })
        #expect(mono.appearance(.selected).reverse)
        #expect(mono.appearance(.title).reverse)
        #expect(mono.appearance(.unhealthy).bold)
        #expect(mono.appearance(.dim).dim)
        // Inside the reversed selection bar a span keeps its weight.
        let onBar = mono.appearance(.unhealthy, on: .selected)
        #expect(onBar.reverse && onBar.bold && !onBar.hasColor)
        #expect(mono.appearance(.title, on: .title).reverse, "the header bar itself stays reversed")
        #expect(mono.appearance(.columnHeader, on: .columnHeader) == Appearance(bold: true, reverse: true))
        #expect(mono.appearance(.dim, on: .title) == Appearance(dim: true, reverse: true))
    }

    @Test func colourGivesLevelsTheirColours() {
        let color = Scheme.color
        #expect(color.appearance(.healthy).foreground == .green)
        #expect(color.appearance(.degraded).foreground == .yellow)
        #expect(color.appearance(.unhealthy) == Appearance(foreground: .red, bold: true))
        let onBar = color.appearance(.unhealthy, on: .selected)
        #expect(onBar.foreground == .black && onBar.background == .white && onBar.bold)
        #expect(Role.allCases.allSatisfy { color.appearance($0) != Appearance() || [.normal, .hint].contains($0) })
    }
}

@Suite struct RelativeTimeTests {
    let now = Fixtures.now

    @Test func countdownsAreShortAndTwoUnit() {
        #expect(RelativeTime.future(45) == "45s")
        #expect(RelativeTime.future(252) == "4m12s")
        #expect(RelativeTime.future(80) == "1m20s")
        #expect(RelativeTime.future(2520) == "42m")
        #expect(RelativeTime.future(3780) == "1h03m")
        #expect(RelativeTime.future(273_600) == "3d4h")
        #expect(RelativeTime.countdown(to: now.addingTimeInterval(80.9), now: now) == "in 1m20s")
        #expect(RelativeTime.countdown(to: now.addingTimeInterval(0.5), now: now) == "now")
        #expect(RelativeTime.countdown(to: now.addingTimeInterval(-30), now: now) == "now")
    }

    @Test func expiryReadsInOrExpiredAgo() {
        #expect(RelativeTime.expiry(now.addingTimeInterval(2520), now: now) == "in 42m")
        #expect(RelativeTime.expiry(now.addingTimeInterval(-185), now: now) == "expired 3m ago")
        #expect(RelativeTime.expiry(now.addingTimeInterval(-12), now: now) == "expired 12s ago")
        #expect(RelativeTime.expiry(now, now: now) == "expired 0s ago")
        #expect(RelativeTime.ago(now.addingTimeInterval(-7200), now: now) == "2h00m ago")
        #expect(RelativeTime.future(.infinity) == "0s")
    }

    @Test func nextChangeIsWhenTheTextChanges() {
        func after(_ target: TimeInterval) -> Double {
            RelativeTime.nextChange(of: now.addingTimeInterval(target), now: now).timeIntervalSince(now)
        }
        #expect(abs(after(10.25) - 0.251) < 1e-6)
        #expect(abs(after(2520.5) - 0.501) < 1e-6)
        #expect(abs(after(2550) - 30.001) < 1e-6)
        #expect(abs(after(-30.5) - 0.5) < 1e-6)
        #expect(abs(after(-90) - 30) < 1e-6)
        let text = { (at: TimeInterval) in
            RelativeTime.expiry(now.addingTimeInterval(2550), now: now.addingTimeInterval(at))
        }
        #expect(text(30) == "in 42m")
        #expect(text(after(2550)) == "in 41m")
    }
}
