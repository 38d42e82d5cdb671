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
