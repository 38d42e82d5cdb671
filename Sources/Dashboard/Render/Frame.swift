/// A run of text with one role.
public struct Span: Sendable, Equatable {
    public var text: String
    public var role: Role

    public init(_ text: String, _ role: Role = .normal) {
        self.text = text
        self.role = role
    }
}

/// One screen line, built before it is printed (htop's `RichString`). Its width is in terminal columns and never
/// exceeds the frame's width. `fill` paints the rest of the line as a bar (header, selection).
public struct Line: Sendable, Equatable {
    public var spans: [Span]
    public var fill: Role?

    public init(_ spans: [Span] = [], fill: Role? = nil) {
        self.spans = spans
        self.fill = fill
    }

    /// The text without attributes.
    public var text: String { spans.map(\.text).joined() }
    public var width: Int { spans.reduce(0) { $0 + TextWidth.of($1.text) } }

    public mutating func add(_ text: String, _ role: Role = .normal) {
        guard !text.isEmpty else { return }
        if let last = spans.last, last.role == role {
            spans[spans.count - 1].text += text
        } else {
            spans.append(Span(text, role))
        }
    }

    /// Cuts the line to `width` columns, ending with `ellipsis` when something was cut.
    public func clipped(to width: Int, ellipsis: String) -> Line {
        guard self.width > width else { return self }
        var result = Line(fill: fill)
        var used = 0
        let room = max(0, width - TextWidth.of(ellipsis))
        for span in spans {
            let w = TextWidth.of(span.text)
            if used + w <= room {
                result.add(span.text, span.role)
                used += w
                continue
            }
            var part = ""
            for character in span.text {
                let cw = TextWidth.of(character)
                if used + cw > room { break }
                part.append(character)
                used += cw
            }
            result.add(part, span.role)
            result.add(TextWidth.truncate(ellipsis, to: width - used, ellipsis: ""), span.role)
            break
        }
        return result
    }
}

/// Exactly `height` lines for a `width × height` window.
public struct Frame: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var lines: [Line]

    public init(width: Int, height: Int, lines: [Line]) {
        self.width = width
        self.height = height
        self.lines = lines
    }

    /// Every line as plain text, trailing blanks removed (what `tmux capture-pane` shows).
    public var text: [String] {
        lines.map { line in
            var text = line.text
            while text.last == " " { text.removeLast() }
            return text
        }
    }
}
