import Health

/// The `?` box and the footer, both built from the key table.
extension DashboardModel {
    /// The help box, built from the key table, centred in the body.
    func help(width: Int, height: Int) -> [Line] {
        let rows = keymap.helpRows(glyphs)
        let keyWidth = rows.map { TextWidth.of($0.keys) }.max() ?? 0
        var content: [Line] = []
        for row in rows {
            var line = Line()
            line.add(TextWidth.fit(row.keys, to: keyWidth, ellipsis: glyphs.ellipsis), .key)
            line.add("  " + row.description)
            content.append(line)
        }
        content.append(Line())
        var legend = Line()
        legend.add("Levels: ")
        for level in HealthLevel.allCases {
            legend.add(levelGlyph(level) + " " + level.rawValue, Self.role(level))
            if level != HealthLevel.allCases.last { legend.add("  ") }
        }
        content.append(legend)
        let inner = min(width - 4, max(content.map(\.width).max() ?? 0, 20))
        let boxWidth = inner + 4
        let left = String(repeating: " ", count: max(0, (width - boxWidth) / 2))
        let heading = " Keys "
        var box: [Line] = []
        let topRule =
            glyphs.topLeft + glyphs.horizontal + heading
            + String(repeating: glyphs.horizontal, count: max(0, boxWidth - 3 - TextWidth.of(heading)))
            + glyphs.topRight
        box.append(Line([Span(left), Span(topRule, .paneTitle)]))
        for line in content.prefix(max(0, height - 2)) {
            var boxed = Line([Span(left), Span(glyphs.vertical + " ", .paneTitle)])
            let clipped = line.clipped(to: inner, ellipsis: glyphs.ellipsis)
            for span in clipped.spans { boxed.add(span.text, span.role) }
            boxed.add(String(repeating: " ", count: max(0, inner - clipped.width)))
            boxed.add(" " + glyphs.vertical, .paneTitle)
            box.append(boxed)
        }
        box.append(
            Line([
                Span(left),
                Span(
                    glyphs.bottomLeft + String(repeating: glyphs.horizontal, count: max(0, boxWidth - 2))
                        + glyphs.bottomRight, .paneTitle),
            ]))
        let top = max(0, (height - box.count) / 2)
        return Array((Array(repeating: Line(), count: top) + box).prefix(height))
    }

    /// Key hints from the key table (whole hints only), or the prompt of the moment.
    func footer(width: Int) -> Line {
        var line = Line()
        if let confirmation {
            line.add(Self.question(confirmation.command, clean(confirmation.server)), .danger)
            line.add(" ")
            line.add("y", .key)
            line.add("/")
            line.add("n", .key)
            return line.clipped(to: width, ellipsis: glyphs.ellipsis)
        }
        if isShowingHelp {
            line.add("Esc", .key)
            line.add(" close help  ")
            line.add("Ctrl-C", .key)
            line.add(" quit")
            return line.clipped(to: width, ellipsis: glyphs.ellipsis)
        }
        if isEditingFilter {
            line.add("filter: /", .prompt)
            line.add(clean(filter) + glyphs.caret, .prompt)
            line.add("  ")
            line.add(glyphs.enter, .key)
            line.add(" keep  ")
            line.add("Esc", .key)
            line.add(" clear")
            return line.clipped(to: width, ellipsis: glyphs.ellipsis)
        }
        for hint in keymap.footerHints(glyphs) {
            let separator = line.width == 0 ? "" : "  "
            guard line.width + TextWidth.of(separator + hint.key + " " + hint.word) <= width else { break }
            line.add(separator)
            line.add(hint.key, .key)
            line.add(" " + hint.word, .hint)
        }
        return line
    }

    static func question(_ command: Command, _ server: String) -> String {
        switch command {
        case .logout: "Log out of \(server)? Its tokens are deleted from this machine."
        default: "\(command.rawValue) \(server)?"
        }
    }
}
