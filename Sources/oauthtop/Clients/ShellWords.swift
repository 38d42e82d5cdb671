/// Words joined into one shell command line, each quoted only when it needs it, so that a command stored in a
/// client's config (Claude Code runs `headersHelper` through a shell) reaches oauthtop exactly as written.
enum ShellWords {
    static func join(_ words: [String]) -> String {
        words.map(quote).joined(separator: " ")
    }

    /// A word with nothing the shell treats specially stays as it is; any other is single-quoted, with each `'`
    /// written as `'\''`.
    static func quote(_ word: String) -> String {
        let plain = !word.isEmpty && word.unicodeScalars.allSatisfy { Self.plain.contains($0) }
        return plain ? word : "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    private static let plain = Set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=@%+,".unicodeScalars)
}
