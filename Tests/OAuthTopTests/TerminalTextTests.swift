import Testing

@testable import oauthtop

@Suite struct TerminalTextTests {
    @Test func escapeSequencesAndOtherControlsBecomeSpaces() {
        let hostile = "bad \u{1B}[2J\u{1B}]0;pwned\u{07} \u{9B}31m end\r\u{7F}"
        let safe = TerminalText.safe(hostile)
        #expect(safe == "bad  [2J ]0;pwned   31m end  ")
        #expect(
            !safe.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value) })
    }

    @Test func newlinesTabsAndUnicodeStay() {
        #expect(TerminalText.safe("line one\n\tline two é 🔑") == "line one\n\tline two é 🔑")
    }
}
