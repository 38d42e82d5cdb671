/// A key as the terminal layer decodes it.
public enum Key: Sendable, Hashable {
    case char(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, backspace, tab
    case ctrlC
    /// The window changed size (ncurses' `KEY_RESIZE`).
    case resize
}

extension Key {
    /// How the footer and the help write this key.
    func label(_ glyphs: Glyphs) -> String {
        switch self {
        case .char(let c): String(c)
        case .up: glyphs.up
        case .down: glyphs.down
        case .left: "Left"
        case .right: "Right"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .enter: glyphs.enter
        case .escape: "Esc"
        case .backspace: "Backspace"
        case .tab: "Tab"
        case .ctrlC: "Ctrl-C"
        case .resize: "resize"
        }
    }
}
