/// What a binding does; the model turns it into state changes and `Effect`s.
public enum Command: String, Sendable, Hashable, CaseIterable {
    case quit, help, back
    case up, down, pageUp, pageDown, top, bottom
    case refresh, refreshAll, login, loginAll, logout, logs, detail
    case filter, sort
}

/// One entry of the key table (k9s `KeyAction`): the footer and the `?` help are built from these, so they
/// cannot drift from what the keys do.
public struct KeyBinding: Sendable, Equatable {
    public var keys: [Key]
    public var command: Command
    /// Shown in the help, e.g. "Refresh the selected server now".
    public var description: String
    /// The word beside the key in the footer; `nil` keeps it out of the footer.
    public var footer: String?
    /// Cannot be undone: the model asks y/n first.
    public var dangerous: Bool

    public init(
        _ keys: [Key], _ command: Command, _ description: String, footer: String? = nil, dangerous: Bool = false
    ) {
        self.keys = keys
        self.command = command
        self.description = description
        self.footer = footer
        self.dangerous = dangerous
    }
}

public struct Keymap: Sendable {
    public let bindings: [KeyBinding]
    private let lookup: [Key: Command]

    public init(_ bindings: [KeyBinding]) {
        self.bindings = bindings
        var lookup: [Key: Command] = [:]
        for binding in bindings {
            for key in binding.keys where lookup[key] == nil { lookup[key] = binding.command }
        }
        self.lookup = lookup
    }

    public func command(for key: Key) -> Command? { lookup[key] }

    public func binding(for command: Command) -> KeyBinding? { bindings.first { $0.command == command } }

    public func isDangerous(_ command: Command) -> Bool { binding(for: command)?.dangerous ?? false }

    /// The table, in the order the footer and the help show it.
    public static let standard = Keymap([
        KeyBinding([.char("q"), .ctrlC], .quit, "Quit", footer: "quit"),
        KeyBinding([.char("?")], .help, "Show or hide this help", footer: "help"),
        KeyBinding([.char("r")], .refresh, "Refresh the selected server's token now", footer: "refresh"),
        KeyBinding([.char("R")], .refreshAll, "Refresh every server's token now", footer: "all"),
        KeyBinding([.char("l")], .login, "Sign in to the selected server", footer: "login"),
        KeyBinding(
            [.char("A")], .loginAll, "Sign in, one after another, to every server that needs it (oauthtop login --all)"),
        KeyBinding(
            [.char("L")], .logout, "Log out of the selected server (asks y/n)", footer: "logout", dangerous: true),
        KeyBinding([.char("v")], .logs, "Show the selected server's recent log lines", footer: "logs"),
        KeyBinding([.char("/")], .filter, "Filter rows (Enter keeps, Esc clears)", footer: "filter"),
        KeyBinding([.char("s")], .sort, "Sort by name, level or expiry", footer: "sort"),
        KeyBinding([.enter], .detail, "Show or hide the detail pane", footer: "detail"),
        KeyBinding([.escape], .back, "Back out: close a pane, clear the filter"),
        KeyBinding([.up, .char("k")], .up, "Move up"),
        KeyBinding([.down, .char("j")], .down, "Move down"),
        KeyBinding([.pageUp], .pageUp, "Move up a page"),
        KeyBinding([.pageDown], .pageDown, "Move down a page"),
        KeyBinding([.char("g"), .home], .top, "Go to the first row"),
        KeyBinding([.char("G"), .end], .bottom, "Go to the last row"),
    ])
}

extension Keymap {
    /// `q quit  ? help  r refresh …`, as (key, word) pairs in table order.
    func footerHints(_ glyphs: Glyphs) -> [(key: String, word: String)] {
        bindings.compactMap { binding in
            binding.footer.map { (binding.keys[0].label(glyphs), $0) }
        }
    }

    /// The help's rows: every key of a binding, then its description.
    func helpRows(_ glyphs: Glyphs) -> [(keys: String, description: String)] {
        bindings.map { binding in
            (binding.keys.map { $0.label(glyphs) }.joined(separator: ", "), binding.description)
        }
    }
}

extension Keymap {
    /// `Keys: q quit, ? help, r refresh, …` for `oauthtop dashboard --help` and the man page, from the footer hints.
    public var summary: String {
        "Keys: " + footerHints(.ascii).map { "\($0.key) \($0.word)" }.joined(separator: ", ") + "."
    }
}
