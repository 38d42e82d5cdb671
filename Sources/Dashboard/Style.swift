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

/// The characters that carry meaning, in Unicode and in the ASCII fallback used when the locale is not UTF-8.
public struct Glyphs: Sendable, Equatable {
    public var healthy: String
    public var degraded: String
    public var unhealthy: String
    public var ellipsis: String
    public var none: String
    public var enter: String
    public var up: String
    public var down: String
    public var caret: String
    public var info: String
    public var error: String
    public var horizontal: String
    public var vertical: String
    public var topLeft: String
    public var topRight: String
    public var bottomLeft: String
    public var bottomRight: String

    public static let unicode = Glyphs(
        healthy: "●", degraded: "▲", unhealthy: "✗", ellipsis: "…", none: "—", enter: "⏎", up: "↑", down: "↓",
        caret: "▏", info: "›", error: "✗", horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐",
        bottomLeft: "└", bottomRight: "┘")

    public static let ascii = Glyphs(
        healthy: "+", degraded: "!", unhealthy: "x", ellipsis: "~", none: "-", enter: "Enter", up: "Up",
        down: "Down", caret: "_", info: ">", error: "x", horizontal: "-", vertical: "|", topLeft: "+", topRight: "+",
        bottomLeft: "+", bottomRight: "+")
}

/// Terminal columns, not characters: combining marks take none, East Asian wide characters and emoji take two.
/// Deliberately not `wcwidth`, which answers -1 for anything non-ASCII in the C locale the tests run in.
public enum TextWidth {
    public static func of(_ text: String) -> Int {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text.utf8.count }
        var width = 0
        for character in text { width += of(character) }
        return width
    }

    public static func of(_ character: Character) -> Int {
        if character.isASCII { return 1 }
        guard let first = character.unicodeScalars.first else { return 0 }
        if character.unicodeScalars.contains(where: { $0.properties.isEmojiPresentation })
            || character.unicodeScalars.contains(where: { $0.value == 0xFE0F })
        {
            return 2
        }
        switch first.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        return isWide(first.value) ? 2 : 1
    }

    /// East Asian Wide and Fullwidth blocks (Unicode 15, condensed).
    private static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF,
            0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
            0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
            0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// The longest prefix that fits `width` columns; when the text is cut, it ends with `ellipsis`.
    public static func truncate(_ text: String, to width: Int, ellipsis: String) -> String {
        guard width > 0 else { return "" }
        if of(text) <= width { return text }
        let room = width - of(ellipsis)
        guard room >= 0 else { return String(repeating: ".", count: width) }
        var result = ""
        var used = 0
        for character in text {
            let w = of(character)
            if used + w > room { break }
            result.append(character)
            used += w
        }
        return result + ellipsis
    }

    /// Exactly `width` columns: cut with `ellipsis`, then padded with spaces on the right (or the left).
    public static func fit(_ text: String, to width: Int, ellipsis: String, alignRight: Bool = false) -> String {
        let cut = truncate(text, to: width, ellipsis: ellipsis)
        let gap = max(0, width - of(cut))
        let spaces = String(repeating: " ", count: gap)
        return alignRight ? spaces + cut : cut + spaces
    }

    /// Makes text from outside (server names, provider error messages) safe to print: control characters
    /// (which could carry escape sequences) become spaces, and in ASCII mode anything non-ASCII becomes `?`.
    public static func sanitize(_ text: String, ascii: Bool) -> String {
        var needsWork = false
        for scalar in text.unicodeScalars where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value > 0x7E {
            needsWork = true
            break
        }
        guard needsWork else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            guard let scalar = character.unicodeScalars.first else { continue }
            let v = scalar.value
            if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) {
                result.append(" ")
            } else if ascii && !character.isASCII {
                result.append("?")
            } else {
                result.append(character)
            }
        }
        return result
    }
}
