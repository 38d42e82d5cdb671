/// The table's columns, left to right.
enum Column: CaseIterable {
    case level, name, state, expires, retries, next, action, summary

    var title: String {
        switch self {
        case .level: "LEVEL"
        case .name: "NAME"
        case .state: "STATE"
        case .expires: "EXPIRES"
        case .retries: "RETRY"
        case .next: "NEXT"
        case .action: "ACTION"
        case .summary: "SUMMARY"
        }
    }
}

/// One row's texts and roles before they are fitted to column widths.
struct Cells {
    var level: (glyph: String, word: String, role: Role)
    var name: String
    /// The state word; `stateWithRetries` when the RETRY column has been given up.
    var state: (text: String, role: Role)
    var stateWithRetries: String
    var expires: (text: String, role: Role)
    var retries: (text: String, role: Role)
    var next: (text: String, role: Role)
    /// The key that does the suggested action (from the key table) and the action's word.
    var action: (key: String?, word: String)?
    var summary: String
}

/// How much of the full layout fits: narrower windows give up, in this order, the wide gaps, the RETRY
/// column (its count moves into STATE), the level word (the glyph stays, the header is the legend), name
/// width, then ACTION, NEXT and EXPIRES (the detail pane still has them). SUMMARY takes what is left.
struct TableLayout {
    var gap = 2
    var retriesInState = false
    var levelWord = true
    var nameCap = 32
    var columns: [Column] = Column.allCases
    var widths: [Column: Int] = [:]

    /// Below this many columns for SUMMARY, the next step is given up.
    static let minimumSummary = 20

    static let steps: [@Sendable (inout TableLayout) -> Void] = [
        { $0.gap = 1 },
        {
            $0.retriesInState = true; $0.columns.removeAll { $0 == .retries }
        },
        { $0.levelWord = false },
        { $0.nameCap = 16 },
        { $0.nameCap = 12 },
        { $0.columns.removeAll { $0 == .action } },
        { $0.columns.removeAll { $0 == .next } },
        { $0.columns.removeAll { $0 == .expires } },
        { $0.nameCap = 8 },
    ]

    /// The fullest layout whose SUMMARY keeps `minimumSummary` columns in `width`, or the narrowest one.
    static func fitting(_ cells: [Cells], width: Int, none: String) -> TableLayout {
        var layout = TableLayout()
        layout.measure(cells, none: none)
        for step in steps where layout.summaryRoom(width) < minimumSummary {
            step(&layout)
            layout.measure(cells, none: none)
        }
        layout.widths[.summary] = max(0, layout.summaryRoom(width))
        return layout
    }

    func levelText(_ cells: Cells) -> String {
        levelWord ? cells.level.glyph + " " + cells.level.word : cells.level.glyph
    }

    func stateText(_ cells: Cells) -> String { retriesInState ? cells.stateWithRetries : cells.state.text }

    static func actionText(_ action: (key: String?, word: String)?, none: String) -> String {
        guard let action else { return none }
        return action.key.map { "\($0) \(action.word)" } ?? action.word
    }

    /// Column widths: each title, or its widest cell; EXPIRES and NEXT keep room for `in 4m12s` so columns do
    /// not jump while countdowns tick.
    private mutating func measure(_ cells: [Cells], none: String) {
        widths = [:]
        for column in columns { widths[column] = TextWidth.of(column.title) }
        for column in [Column.expires, .next] where widths[column] != nil { widths[column] = 8 }
        if !levelWord { widths[.level] = 1 }
        for cell in cells {
            grow(.level, levelText(cell))
            grow(.name, cell.name)
            grow(.state, stateText(cell))
            grow(.expires, cell.expires.text)
            grow(.retries, cell.retries.text)
            grow(.next, cell.next.text)
            grow(.action, Self.actionText(cell.action, none: none))
        }
        if let name = widths[.name] { widths[.name] = min(name, nameCap) }
        widths[.summary] = 0
    }

    private mutating func grow(_ column: Column, _ text: String) {
        if let current = widths[column] { widths[column] = max(current, TextWidth.of(text)) }
    }

    private func summaryRoom(_ width: Int) -> Int {
        let fixed = columns.filter { $0 != .summary }.reduce(0) { $0 + (widths[$1] ?? 0) }
        return width - fixed - gap * (columns.count - 1)
    }
}
