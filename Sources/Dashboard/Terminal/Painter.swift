import CNcursesw

/// The only drawing code: writes a `Frame` to the window, turning roles into attributes through a `Scheme`.
/// ncurses diffs against what is on the terminal, so a full repaint per frame sends only the changes.
@MainActor
final class Painter {
    private let window: UnsafeMutablePointer<WINDOW>
    private let scheme: Scheme
    private var pairs: [ColorKey: Int32] = [:]
    private var attributes: [AttributeKey: Int32] = [:]

    private struct ColorKey: Hashable {
        var foreground: TerminalColor?
        var background: TerminalColor?
    }

    private struct AttributeKey: Hashable {
        var role: Role
        var fill: Role?
    }

    /// `scheme` is `.monochrome` under `NO_COLOR` or on a terminal without colours.
    init(window: UnsafeMutablePointer<WINDOW>, scheme: Scheme) {
        self.window = window
        self.scheme = scheme
        for role in Role.allCases {
            let look = scheme.appearance(role)
            let key = ColorKey(foreground: look.foreground, background: look.background)
            guard look.hasColor, pairs[key] == nil else { continue }
            let number = Int32(pairs.count + 1)
            init_pair(Int16(number), Self.curses(look.foreground), Self.curses(look.background))
            pairs[key] = number
        }
    }

    func paint(_ frame: Frame) {
        werase(window)
        let height = min(frame.height, Int(getmaxy(window)))
        let width = min(frame.width, Int(getmaxx(window)))
        for (y, line) in frame.lines.prefix(height).enumerated() {
            // Writing the bottom-right cell scrolls the screen or fails: the last line stops one short.
            let room = y == height - 1 ? width - 1 : width
            let clipped = line.clipped(to: room, ellipsis: "")
            wmove(window, Int32(y), 0)
            for span in clipped.spans {
                wattrset(window, attribute(span.role, on: line.fill))
                waddstr(window, span.text)
            }
            if let fill = line.fill {
                let rest = room - clipped.width
                if rest > 0 {
                    wattrset(window, attribute(fill, on: fill))
                    waddstr(window, String(repeating: " ", count: rest))
                }
            }
            wattrset(window, cn_A_NORMAL())
        }
        wrefresh(window)
    }

    private func attribute(_ role: Role, on fill: Role?) -> Int32 {
        let key = AttributeKey(role: role, fill: fill)
        if let cached = attributes[key] { return cached }
        let look = scheme.appearance(role, on: fill)
        var value = cn_A_NORMAL()
        if look.bold { value |= cn_A_BOLD() }
        if look.dim { value |= cn_A_DIM() }
        if look.reverse { value |= cn_A_REVERSE() }
        if look.underline { value |= cn_A_UNDERLINE() }
        if look.hasColor, let pair = pairs[ColorKey(foreground: look.foreground, background: look.background)] {
            value |= cn_COLOR_PAIR(pair)
        }
        attributes[key] = value
        return value
    }

    private static func curses(_ color: TerminalColor?) -> Int16 {
        switch color {
        case nil: -1  // the terminal's default (use_default_colors)
        case .black: Int16(COLOR_BLACK)
        case .red: Int16(COLOR_RED)
        case .green: Int16(COLOR_GREEN)
        case .yellow: Int16(COLOR_YELLOW)
        case .blue: Int16(COLOR_BLUE)
        case .magenta: Int16(COLOR_MAGENTA)
        case .cyan: Int16(COLOR_CYAN)
        case .white: Int16(COLOR_WHITE)
        }
    }
}
