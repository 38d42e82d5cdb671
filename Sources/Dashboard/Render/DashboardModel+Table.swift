import Foundation
import Health
import RefreshEngine

/// The server table: scrolling, one `Cells` per visible row, the `TableLayout` that fits, then the lines.
extension DashboardModel {
    mutating func table(_ rows: [Row], selected: Int?, width: Int, height: Int, now: Date) -> [Line] {
        let visible = scroll(rows, selected: selected, height: height)
        let cells = visible.map { self.cells($0, now: now) }
        let layout = TableLayout.fitting(cells, width: width, none: glyphs.none)
        var lines = [titleLine(layout)]
        if visible.isEmpty && height > 0 {
            let message =
                statuses.isEmpty
                ? "No servers to show."
                : "No server matches /\(clean(filter)) (Esc clears the filter)"
            lines.append(Line([Span(" " + message, .dim)]))
        }
        for (offset, cell) in cells.enumerated() {
            lines.append(rowLine(cell, layout, isSelected: scrollTop + offset == selected))
        }
        return lines
    }

    /// Keeps the selection in view and remembers what is on screen (for PgUp/PgDn and the repaint schedule).
    private mutating func scroll(_ rows: [Row], selected: Int?, height: Int) -> [Row] {
        pageSize = max(1, height)
        if let selected {
            if selected < scrollTop { scrollTop = selected }
            if selected >= scrollTop + height { scrollTop = selected - height + 1 }
        }
        scrollTop = max(0, min(scrollTop, rows.count - height))
        let visible = height > 0 ? Array(rows.dropFirst(scrollTop).prefix(height)) : []
        onScreen = visible.map(\.status.name)
        return visible
    }

    func cells(_ row: Row, now: Date) -> Cells {
        let status = row.status
        let level = row.health.level
        let state = Self.stateWord(row.state)
        let showsRetries = status.retryCount > 0 && (row.state == .retrying || row.state == .failed)
        return Cells(
            level: (levelGlyph(level), level.rawValue, Self.role(level)),
            name: clean(status.name),
            state: (state, Self.role(row.state)),
            stateWithRetries: showsRetries ? state + " \(status.retryCount)" : state,
            expires: expiresCell(status, now: now),
            retries: ("\(status.retryCount)", status.retryCount > 0 ? .degraded : .dim),
            next: nextCell(status, state: row.state, now: now),
            action: actionLabel(row.health.action),
            summary: clean(row.health.summary))
    }

    private func expiresCell(_ status: ServerStatus, now: Date) -> (String, Role) {
        guard let expiry = status.expiresAt else {
            return status.facts.hasSession ? ("no expiry", .dim) : (glyphs.none, .dim)
        }
        let left = expiry.timeIntervalSince(now)
        let warning = !status.hasRefreshToken && left <= calculator.expiryWarning
        return (RelativeTime.expiry(expiry, now: now), left <= 0 ? .unhealthy : warning ? .degraded : .normal)
    }

    private func nextCell(_ status: ServerStatus, state: RefreshState, now: Date) -> (String, Role) {
        if state == .refreshing { return ("now", .busy) }
        guard let attempt = status.nextAttempt else { return (glyphs.none, .dim) }
        return (RelativeTime.countdown(to: attempt, now: now), state == .retrying ? .degraded : .normal)
    }

    /// The suggested action as the key table writes it: `l login`, `v logs`; actions without a key are words.
    func actionLabel(_ action: SuggestedAction?) -> (key: String?, word: String)? {
        guard let action else { return nil }
        guard let command = Command(action), let binding = keymap.binding(for: command), let key = binding.keys.first
        else { return (nil, action.rawValue) }
        return (key.label(glyphs), binding.footer ?? action.rawValue)
    }

    private func titleLine(_ layout: TableLayout) -> Line {
        var line = Line(fill: .columnHeader)
        for (i, column) in layout.columns.enumerated() {
            if i > 0 { line.add(String(repeating: " ", count: layout.gap), .columnHeader) }
            let title = column == .level && !layout.levelWord ? "" : column.title
            let width = layout.widths[column] ?? 0
            line.add(
                TextWidth.fit(title, to: width, ellipsis: glyphs.ellipsis, alignRight: column == .retries),
                .columnHeader)
        }
        return line
    }

    private func rowLine(_ cell: Cells, _ layout: TableLayout, isSelected: Bool) -> Line {
        var line = Line(fill: isSelected ? .selected : nil)
        for (i, column) in layout.columns.enumerated() {
            let width = layout.widths[column] ?? 0
            if column == .summary && width == 0 { continue }
            if i > 0 { line.add(String(repeating: " ", count: layout.gap)) }
            func add(_ text: String, _ role: Role = .normal, alignRight: Bool = false) {
                line.add(TextWidth.fit(text, to: width, ellipsis: glyphs.ellipsis, alignRight: alignRight), role)
            }
            switch column {
            case .level: add(layout.levelText(cell), cell.level.role)
            case .name: add(cell.name)
            case .state: add(layout.stateText(cell), cell.state.role)
            case .expires: add(cell.expires.text, cell.expires.role)
            case .retries: add(cell.retries.text, cell.retries.role, alignRight: true)
            case .next: add(cell.next.text, cell.next.role)
            case .action: addAction(cell.action, width: width, to: &line)
            case .summary: line.add(TextWidth.truncate(cell.summary, to: width, ellipsis: glyphs.ellipsis))
            }
        }
        return line
    }

    /// The key in the key colour, then the word; just the word when the column is too narrow for both.
    private func addAction(_ action: (key: String?, word: String)?, width: Int, to line: inout Line) {
        guard let action else {
            line.add(TextWidth.fit(glyphs.none, to: width, ellipsis: glyphs.ellipsis), .dim)
            return
        }
        if let key = action.key, width >= TextWidth.of(key) + 2 {
            line.add(key, .key)
            line.add(TextWidth.fit(" " + action.word, to: width - TextWidth.of(key), ellipsis: glyphs.ellipsis))
        } else {
            line.add(TextWidth.fit(action.word, to: width, ellipsis: glyphs.ellipsis))
        }
    }

    static func role(_ state: RefreshState) -> Role {
        switch state {
        case .refreshing, .signingIn: .busy
        case .retrying: .degraded
        case .failed: .unhealthy
        case .idle, .loggedOut: .dim
        case .scheduled: .normal
        }
    }
}

extension Command {
    /// The command that carries out a suggested action, when a key does.
    init?(_ action: SuggestedAction) {
        switch action {
        case .login: self = .login
        case .viewLogs: self = .logs
        case .configure, .enable: return nil
        }
    }
}
