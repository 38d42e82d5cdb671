/// Text from outside (provider answers, config files, server names) made safe to print on a terminal: every
/// control character but newline and tab (C0, DEL, C1) becomes a space, so no escape sequence in a provider's
/// error or a config value can move the cursor, change colours or retitle the window. The dashboard does the same
/// (`TextWidth.sanitize`); this is the command line's side.
enum TerminalText {
    static func safe(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { isControl($0) ? " " : $0 }))
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (value < 0x20 && value != 0x0A && value != 0x09) || value == 0x7F || (0x80...0x9F).contains(value)
    }
}
