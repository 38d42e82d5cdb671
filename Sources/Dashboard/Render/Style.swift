/// What a piece of text means on screen. The model picks roles from the data; only the painter turns them into
/// terminal attributes, through a `Scheme` (htop's `ColorElements` and colour schemes).
public enum Role: String, Sendable, Hashable, CaseIterable {
    case normal
    /// Secondary text: placeholders, zero counts.
    case dim
    /// The header bar.
    case title
    /// The column titles.
    case columnHeader
    /// The selected row's bar.
    case selected
    case healthy
    case degraded
    case unhealthy
    /// A refresh in flight.
    case busy
    /// A key in a hint, the footer or the action column.
    case key
    /// Words beside keys in the footer.
    case hint
    case flashInfo
    case flashError
    /// Pane and overlay titles and borders.
    case paneTitle
    /// The filter prompt.
    case prompt
    /// A question about something that cannot be undone (log out).
    case danger
}

/// The eight basic terminal colours.
public enum TerminalColor: String, Sendable, Hashable, CaseIterable {
    case black, red, green, yellow, blue, magenta, cyan, white
}

/// How a role looks: colours (`nil` = the terminal's default) and video attributes.
public struct Appearance: Sendable, Hashable {
    public var foreground: TerminalColor?
    public var background: TerminalColor?
    public var bold = false
    public var dim = false
    public var reverse = false
    public var underline = false

    public init(
        foreground: TerminalColor? = nil, background: TerminalColor? = nil, bold: Bool = false, dim: Bool = false,
        reverse: Bool = false, underline: Bool = false
    ) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.dim = dim
        self.reverse = reverse
        self.underline = underline
    }

    public var hasColor: Bool { foreground != nil || background != nil }
}

/// A table from role to appearance. `monochrome` is what `NO_COLOR` (and a terminal without colours) gets: only
/// bold, dim and reverse, so the selection and the header bar stay visible.
public struct Scheme: Sendable {
    public let name: String
    private let table: [Role: Appearance]

    public init(name: String, table: [Role: Appearance]) {
        self.name = name
        self.table = table
    }

    public func appearance(_ role: Role) -> Appearance {
        table[role] ?? Appearance()
    }

    /// A span's look on a line with a bar (`fill`): in colour the bar's colours win and the span keeps its
    /// weight; in monochrome the span keeps its own look inside the reversed bar.
    public func appearance(_ role: Role, on fill: Role?) -> Appearance {
        guard let fill, fill == .selected || fill == .title || fill == .columnHeader else { return appearance(role) }
        var bar = appearance(fill)
        if role == fill { return bar }
        let own = appearance(role)
        if bar.hasColor {
            bar.bold = bar.bold || own.bold
            return bar
        }
        var look = own
        look.reverse = bar.reverse || own.reverse
        look.bold = own.bold || bar.bold
        return look
    }

    public static let color = Scheme(
        name: "color",
        table: [
            .normal: Appearance(),
            .dim: Appearance(dim: true),
            .title: Appearance(foreground: .black, background: .cyan),
            .columnHeader: Appearance(foreground: .black, background: .green),
            .selected: Appearance(foreground: .black, background: .white),
            .healthy: Appearance(foreground: .green),
            .degraded: Appearance(foreground: .yellow),
            .unhealthy: Appearance(foreground: .red, bold: true),
            .busy: Appearance(foreground: .cyan),
            .key: Appearance(bold: true),
            .hint: Appearance(),
            .flashInfo: Appearance(foreground: .cyan),
            .flashError: Appearance(foreground: .red, bold: true),
            .paneTitle: Appearance(foreground: .cyan, bold: true),
            .prompt: Appearance(foreground: .yellow, bold: true),
            .danger: Appearance(foreground: .white, background: .red, bold: true),
        ])

    public static let monochrome = Scheme(
        name: "monochrome",
        table: [
            .normal: Appearance(),
            .dim: Appearance(dim: true),
            .title: Appearance(reverse: true),
            .columnHeader: Appearance(bold: true, reverse: true),
            .selected: Appearance(reverse: true),
            .healthy: Appearance(),
            .degraded: Appearance(bold: true),
            .unhealthy: Appearance(bold: true),
            .busy: Appearance(bold: true),
            .key: Appearance(bold: true),
            .hint: Appearance(),
            .flashInfo: Appearance(bold: true),
            .flashError: Appearance(bold: true, reverse: true),
            .paneTitle: Appearance(bold: true),
            .prompt: Appearance(bold: true),
            .danger: Appearance(bold: true, reverse: true),
        ])

    /// `NO_COLOR` set to anything but the empty string turns colour off (no-color.org).
    public static func forEnvironment(noColor: String?) -> Scheme {
        if let noColor, !noColor.isEmpty { return .monochrome }
        return .color
    }
}
