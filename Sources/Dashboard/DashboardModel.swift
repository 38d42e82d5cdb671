import Foundation
import Health
import RefreshEngine

/// The whole dashboard as a value: the engine's statuses plus what the user did (selection, scroll, filter, sort,
/// panes, help, a pending y/n, a flash message). Keys go in through `handle(_:now:)` and come out as `Effect`s;
/// `render(width:height:now:)` turns it into a `Frame`. No terminal, no clock, no IO: `now` is always passed in,
/// and health is recomputed from `status.facts` at that `now`, so countdowns stay true between engine events.
public struct DashboardModel: Sendable {
    public enum SortOrder: String, Sendable, CaseIterable {
        /// Alphabetical.
        case name
        /// Worst first, then by name.
        case level
        /// Soonest expiry first; servers without an expiry last.
        case expiry

        var next: SortOrder {
            let all = Self.allCases
            return all[(all.firstIndex(of: self)! + 1) % all.count]
        }
    }

    /// What the lower part of the screen shows under the table.
    public enum Pane: Sendable, Equatable {
        case none
        /// Everything about the selected server.
        case detail
        /// A server's recent log lines; `nil` while they load.
        case logs(server: String, lines: [String]?)
    }

    /// A one-line message that disappears by itself (k9s `model/flash.go`).
    public struct Flash: Sendable, Equatable {
        public var text: String
        public var isError: Bool
        public var until: Date
    }

    public struct Confirmation: Sendable, Equatable {
        public var command: Command
        public var server: String
    }

    public static let flashDuration: TimeInterval = 5
    /// Rows the table keeps when a pane opens under it.
    static let minimumTableRows = 3
    static let detailPaneHeight = 9
    static let logPaneHeight = 12

    public var title: String
    /// Plain ASCII glyphs and text, for terminals whose locale is not UTF-8.
    public var ascii: Bool {
        didSet { glyphs = ascii ? .ascii : .unicode }
    }
    public private(set) var glyphs: Glyphs
    public var calculator: HealthCalculator
    /// The zone of the header clock.
    public var timeZone: TimeZone
    public let keymap: Keymap

    public private(set) var statuses: [String: ServerStatus] = [:]
    public private(set) var sortOrder: SortOrder = .name
    public private(set) var filter = ""
    public private(set) var isEditingFilter = false
    public private(set) var pane: Pane = .none
    public private(set) var isShowingHelp = false
    /// A dangerous command waiting for y/n, and the server it is about.
    public private(set) var confirmation: Confirmation?
    public private(set) var flash: Flash?
    /// Servers whose forced refresh was asked for and has not been answered: shown as `refreshing` at once.
    public private(set) var pendingRefresh: Set<String> = []
    public private(set) var selectedName: String?

    private var selectedIndex = 0
    private var scrollTop = 0
    /// Table rows in the last frame: what PgUp/PgDn move by.
    private var pageSize = 10
    /// Servers in the last frame, for `nextRepaint(after:)`.
    private var onScreen: [String] = []
    private var detailOnScreen: String?

    public init(
        title: String, ascii: Bool = false, expiryWarning: TimeInterval = 3600, timeZone: TimeZone = .current,
        keymap: Keymap = .standard
    ) {
        self.title = title
        self.ascii = ascii
        self.glyphs = ascii ? .ascii : .unicode
        self.calculator = HealthCalculator(expiryWarning: expiryWarning)
        self.timeZone = timeZone
        self.keymap = keymap
    }

    // MARK: Input from the engine and the loop

    public mutating func apply(_ status: ServerStatus) {
        statuses[status.name] = status
        // The engine now says so itself; from here on its statuses tell the truth.
        if status.refreshState == .refreshing { pendingRefresh.remove(status.name) }
    }

    public mutating func apply(_ batch: some Sequence<ServerStatus>) {
        for status in batch { apply(status) }
    }

    public mutating func showFlash(_ text: String, isError: Bool = false, now: Date) {
        flash = Flash(text: text, isError: isError, until: now.addingTimeInterval(Self.flashDuration))
    }

    /// The answer to a forced refresh of one server.
    public mutating func finishRefresh(_ name: String, _ result: Result<RefreshOutcome, EngineError>, now: Date) {
        pendingRefresh.remove(name)
        switch result {
        case .success(.refreshed(let expiresAt)):
            let expiry = expiresAt.map { "expires " + RelativeTime.expiry($0, now: now) } ?? "has no expiry"
            showFlash("Refreshed \(name): the new token \(expiry)", now: now)
        case .success(.adopted):
            showFlash("\(name): took over the tokens another oauthtop process had just refreshed", now: now)
        case .success(.deferred(let until, let reason)):
            showFlash("\(name): refresh \(RelativeTime.countdown(to: until, now: now)) (\(reason))", now: now)
        case .success(.retrying(let error, let next)):
            showFlash(
                "\(name): refresh failed, retry \(RelativeTime.countdown(to: next, now: now)): \(error)", isError: true,
                now: now)
        case .success(.failed(let error)):
            showFlash("\(name): refresh failed: \(error)", isError: true, now: now)
        case .failure(let error):
            showFlash(error.description, isError: true, now: now)
        }
    }

    public mutating func finishRefreshAll(_ outcomes: [String: RefreshOutcome], now: Date) {
        pendingRefresh.removeAll()
        var refreshed = 0, deferred = 0, retrying = 0, failed = 0
        for outcome in outcomes.values {
            switch outcome {
            case .refreshed, .adopted: refreshed += 1
            case .deferred: deferred += 1
            case .retrying: retrying += 1
            case .failed: failed += 1
            }
        }
        var parts = ["\(refreshed) refreshed"]
        if deferred > 0 { parts.append("\(deferred) deferred by the rate limit") }
        if retrying > 0 { parts.append("\(retrying) retrying") }
        if failed > 0 { parts.append("\(failed) failed") }
        showFlash(
            outcomes.isEmpty ? "Nothing to refresh" : "Refresh all: " + parts.joined(separator: ", "),
            isError: retrying + failed > 0, now: now)
    }

    public mutating func finishLogout(_ name: String, error: String?, now: Date) {
        if let error {
            showFlash("Log out of \(name) failed: \(error)", isError: true, now: now)
        } else {
            showFlash("Logged out of \(name); its tokens are deleted", now: now)
        }
    }

    /// The lines for the log pane, if it still shows `name`.
    public mutating func showLogs(_ lines: [String], for name: String) {
        if case .logs(name, _) = pane { pane = .logs(server: name, lines: lines) }
    }

    // MARK: Keys

    public mutating func handle(_ key: Key, now: Date) -> Effect {
        if key == .resize { return .redraw }
        if let confirmation { return answer(confirmation, key, now: now) }
        if isShowingHelp {
            switch key {
            case .escape, .char("?"), .char("q"), .enter:
                isShowingHelp = false
                return .redraw
            case .ctrlC:
                return .quit
            default:
                return .none
            }
        }
        if isEditingFilter, let effect = editFilter(key, now: now) { return effect }
        guard let command = keymap.command(for: key) else { return .none }
        return perform(command, now: now)
    }

    private mutating func perform(_ command: Command, now: Date) -> Effect {
        if keymap.isDangerous(command) {
            guard let name = currentSelection(now: now) else { return .none }
            confirmation = Confirmation(command: command, server: name)
            return .redraw
        }
        switch command {
        case .quit:
            return .quit
        case .help:
            isShowingHelp = true
            return .redraw
        case .back:
            return back()
        case .up: return move(by: -1, now: now)
        case .down: return move(by: 1, now: now)
        case .pageUp: return move(by: -max(1, pageSize - 1), now: now)
        case .pageDown: return move(by: max(1, pageSize - 1), now: now)
        case .top: return move(to: 0, now: now)
        case .bottom: return move(to: Int.max, now: now)
        case .refresh:
            guard let name = currentSelection(now: now) else { return .none }
            if let status = statuses[name], Self.canRefresh(status) { pendingRefresh.insert(name) }
            return .refresh(name)
        case .refreshAll:
            for status in statuses.values where Self.canRefresh(status) { pendingRefresh.insert(status.name) }
            return .refreshAll
        case .login:
            guard let name = currentSelection(now: now) else { return .none }
            if statuses[name]?.refreshState == .signingIn { return .none }
            pane = .detail
            return .login(name)
        case .logout:
            guard let name = currentSelection(now: now) else { return .none }
            return .logout(name)
        case .logs:
            guard let name = currentSelection(now: now) else { return .none }
            if case .logs(name, _) = pane {
                pane = .none
                return .redraw
            }
            pane = .logs(server: name, lines: nil)
            return .loadLogs(name)
        case .detail:
            pane = pane == .detail ? .none : .detail
            return .redraw
        case .filter:
            isEditingFilter = true
            return .redraw
        case .sort:
            sortOrder = sortOrder.next
            return .redraw
        }
    }

    private mutating func answer(_ confirmation: Confirmation, _ key: Key, now: Date) -> Effect {
        let name = confirmation.server
        switch key {
        case .char("y"), .char("Y"):
            self.confirmation = nil
            switch confirmation.command {
            case .logout:
                pendingRefresh.remove(name)
                return .logout(name)
            default:
                return .redraw
            }
        case .char("n"), .char("N"), .escape, .char("q"):
            self.confirmation = nil
            showFlash(confirmation.command == .logout ? "Kept \(name) signed in" : "Cancelled", now: now)
            return .redraw
        case .ctrlC:
            return .quit
        default:
            return .none
        }
    }

    /// Keys while the filter prompt is open; `nil` lets the key table handle it (arrows keep moving).
    private mutating func editFilter(_ key: Key, now: Date) -> Effect? {
        switch key {
        case .enter:
            isEditingFilter = false
            return .redraw
        case .escape:
            isEditingFilter = false
            filter = ""
            return .redraw
        case .backspace:
            if filter.isEmpty {
                isEditingFilter = false
            } else {
                filter.removeLast()
            }
            return .redraw
        case .char(let c) where !c.isNewline:
            filter.append(c)
            return .redraw
        case .ctrlC:
            return .quit
        default:
            return nil
        }
    }

    /// Esc: close the innermost thing that is open.
    private mutating func back() -> Effect {
        if let name = selectedName, statuses[name]?.refreshState == .signingIn {
            return .cancelLogin(name)
        }
        if pane != .none {
            pane = .none
            return .redraw
        }
        if !filter.isEmpty {
            filter = ""
            return .redraw
        }
        return .none
    }

    private mutating func move(by delta: Int, now: Date) -> Effect {
        let rows = self.rows(now: now)
        guard let index = resolveSelection(rows) else { return .none }
        let target = delta > 0 ? index.addingReportingOverflow(delta).partialValue : index + delta
        return move(to: target, rows: rows)
    }

    private mutating func move(to index: Int, now: Date) -> Effect {
        let rows = self.rows(now: now)
        guard resolveSelection(rows) != nil else { return .none }
        return move(to: index, rows: rows)
    }

    private mutating func move(to index: Int, rows: [Row]) -> Effect {
        let clamped = min(max(0, index), rows.count - 1)
        guard clamped != selectedIndex else { return .none }
        selectedIndex = clamped
        selectedName = rows[clamped].status.name
        return .redraw
    }

    private mutating func currentSelection(now: Date) -> String? {
        let rows = self.rows(now: now)
        return resolveSelection(rows).map { rows[$0].status.name }
    }

    /// Keeps the selection on the same server when rows move; falls back to the same position when it is gone.
    private mutating func resolveSelection(_ rows: [Row]) -> Int? {
        guard !rows.isEmpty else {
            selectedIndex = 0
            return nil
        }
        if let name = selectedName, let index = rows.firstIndex(where: { $0.status.name == name }) {
            selectedIndex = index
        } else {
            selectedIndex = min(max(0, selectedIndex), rows.count - 1)
            selectedName = rows[selectedIndex].status.name
        }
        return selectedIndex
    }

    static func question(_ command: Command, _ server: String) -> String {
        switch command {
        case .logout: "Log out of \(server)? Its tokens are deleted from this machine."
        default: "\(command.rawValue) \(server)?"
        }
    }

    static func canRefresh(_ status: ServerStatus) -> Bool { status.canRefresh }

    // MARK: Rows

    struct Row {
        var status: ServerStatus
        var health: HealthStatus
        var state: RefreshState
        /// The name as sorted: case-insensitive, computed once per frame instead of once per comparison.
        var sortKey: String
    }

    /// Every server with its health at `now`, unfiltered and unsorted.
    private func evaluated(now: Date) -> [Row] {
        statuses.values.map { status in
            var facts = status.facts
            let pending = pendingRefresh.contains(status.name)
            if pending { facts.refreshState = .refreshing }
            return Row(
                status: status, health: calculator.evaluate(facts, now: now), state: facts.refreshState,
                sortKey: status.name.lowercased())
        }
    }

    /// The rows the table shows, filtered and sorted.
    func rows(now: Date) -> [Row] {
        sortedAndFiltered(evaluated(now: now))
    }

    private func sortedAndFiltered(_ all: [Row]) -> [Row] {
        var rows = all
        if !filter.isEmpty {
            let needle = filter.lowercased()
            rows = rows.filter { row in
                row.status.name.lowercased().contains(needle) || row.health.level.rawValue.contains(needle)
                    || Self.stateWord(row.state).contains(needle) || row.health.summary.lowercased().contains(needle)
            }
        }
        // Rows are large values: sort their positions, then gather once.
        func byName(_ a: Row, _ b: Row) -> Bool {
            a.sortKey != b.sortKey ? a.sortKey < b.sortKey : a.status.name < b.status.name
        }
        let order: [Int]
        switch sortOrder {
        case .name:
            order = rows.indices.sorted { byName(rows[$0], rows[$1]) }
        case .level:
            order = rows.indices.sorted { i, j in
                let (a, b) = (rows[i], rows[j])
                return a.health.level != b.health.level ? a.health.level > b.health.level : byName(a, b)
            }
        case .expiry:
            order = rows.indices.sorted { i, j in
                let (a, b) = (rows[i], rows[j])
                switch (a.status.expiresAt, b.status.expiresAt) {
                case (let x?, let y?) where x != y: return x < y
                case (.some, nil): return true
                case (nil, .some): return false
                default: return byName(a, b)
                }
            }
        }
        return order.map { rows[$0] }
    }

    static func stateWord(_ state: RefreshState) -> String {
        state.rawValue.replacingOccurrences(of: "_", with: " ")
    }

    // MARK: Repaint schedule

    /// The next moment at which the frame would change without any event: a countdown on screen ticking (at most
    /// once a second), the header clock's minute, a flash running out, or a server's level changing as a token
    /// expires. Nothing shown on screen counts down → this is the next minute.
    public func nextRepaint(after now: Date) -> Date {
        let t = now.timeIntervalSince1970
        var next = ((t / 60).rounded(.down) + 1) * 60
        if let flash, flash.until > now { next = min(next, flash.until.timeIntervalSince1970) }
        func consider(_ date: Date?) {
            guard let date else { return }
            next = min(next, RelativeTime.nextChange(of: date, now: now).timeIntervalSince1970)
        }
        for name in onScreen {
            guard let status = statuses[name] else { continue }
            consider(status.expiresAt)
            consider(status.nextAttempt)
        }
        if let name = detailOnScreen, let status = statuses[name] {
            consider(status.lastRefreshAt)
        }
        // Off-screen rows still count in the header: their level changes when a token expires or enters the
        // expiry warning.
        for status in statuses.values {
            guard let expiry = status.expiresAt else { continue }
            if expiry > now { next = min(next, expiry.timeIntervalSince1970) }
            let warning = expiry.addingTimeInterval(-calculator.expiryWarning)
            if !status.hasRefreshToken, warning > now { next = min(next, warning.timeIntervalSince1970) }
        }
        // A second-by-second countdown repaints on whole seconds: one tick a second, however many rows count.
        if next - t < 1 { next = (t.rounded(.down) + 1) }
        return Date(timeIntervalSince1970: next)
    }

    // MARK: Render

    public mutating func render(width: Int, height: Int, now: Date) -> Frame {
        guard width >= 20, height >= 4 else { return tooSmall(width: width, height: height) }
        let all = evaluated(now: now)
        let rows = sortedAndFiltered(all)
        let selected = resolveSelection(rows)

        var bottom: [Line] = []
        if let flash, flash.until > now {
            var line = Line()
            line.add(
                (flash.isError ? glyphs.error : glyphs.info) + " " + clean(flash.text),
                flash.isError ? .flashError : .flashInfo)
            bottom.append(line.clipped(to: width, ellipsis: glyphs.ellipsis))
        }
        bottom.append(footer(width: width - 1))

        var lines = [header(all: all, shown: rows.count, width: width, now: now)]
        let bodyHeight = height - 1 - bottom.count
        onScreen = []
        detailOnScreen = nil
        if isShowingHelp {
            lines += help(width: width, height: bodyHeight)
        } else {
            var paneLines: [Line] = []
            let room = max(0, bodyHeight - 1 - Self.minimumTableRows)
            switch pane {
            case .none:
                break
            case .detail:
                if let selected, room >= 2 {
                    paneLines = detail(rows[selected], width: width, height: min(Self.detailPaneHeight, room), now: now)
                    detailOnScreen = rows[selected].status.name
                }
            case .logs(let server, let logLines):
                if room >= 2 {
                    paneLines = logs(server, logLines, width: width, height: min(Self.logPaneHeight, room))
                }
            }
            let tableRows = max(0, bodyHeight - 1 - paneLines.count)
            lines += table(rows, selected: selected, width: width, height: tableRows, now: now)
            lines += paneLines
        }
        while lines.count < height - bottom.count { lines.append(Line()) }
        lines += bottom
        return Frame(width: width, height: height, lines: lines.map { $0.clipped(to: width, ellipsis: glyphs.ellipsis) })
    }

    private func tooSmall(width: Int, height: Int) -> Frame {
        var lines = [Line([Span(TextWidth.truncate("window too small", to: max(0, width - 1), ellipsis: ""))])]
        while lines.count < max(0, height) { lines.append(Line()) }
        return Frame(width: width, height: height, lines: Array(lines.prefix(max(0, height))))
    }

    private func clean(_ text: String) -> String { TextWidth.sanitize(text, ascii: ascii) }

    private func levelGlyph(_ level: HealthLevel) -> String {
        switch level {
        case .healthy: glyphs.healthy
        case .degraded: glyphs.degraded
        case .unhealthy: glyphs.unhealthy
        }
    }

    private static func role(_ level: HealthLevel) -> Role {
        switch level {
        case .healthy: .healthy
        case .degraded: .degraded
        case .unhealthy: .unhealthy
        }
    }

    /// `oauthtop demo  6 servers  ● 3 healthy  ▲ 2 degraded  ✗ 1 unhealthy  sort: name           14:05`
    private func header(all: [Row], shown: Int, width: Int, now: Date) -> Line {
        var counts: [HealthLevel: Int] = [:]
        for row in all { counts[row.health.level, default: 0] += 1 }
        let servers = all.count == 1 ? "server" : "servers"
        let total = "  " + (filter.isEmpty ? "\(all.count) \(servers)" : "\(shown) of \(all.count) \(servers)")
        var levels = ""
        for level in HealthLevel.allCases {
            levels += "  \(levelGlyph(level)) \(counts[level] ?? 0) \(level.rawValue)"
        }
        var extras = ""
        if !filter.isEmpty { extras += "  filter: /" + clean(filter) }
        if sortOrder != .name { extras += "  sort: \(sortOrder.rawValue)" }
        let clock = clockText(now)
        let room = width - TextWidth.of(clock) - 2
        // The counts double as the legend of the level glyphs: the server total goes first when room is short.
        var left = clean(title) + total + levels + extras
        if TextWidth.of(left) > room { left = clean(title) + levels + extras }
        var text = TextWidth.truncate(left, to: max(0, room), ellipsis: glyphs.ellipsis)
        text += String(repeating: " ", count: max(1, width - TextWidth.of(text) - TextWidth.of(clock) - 1))
        text += clock
        return Line([Span(text, .title)], fill: .title)
    }

    private func clockText(_ now: Date) -> String {
        let local = Int(now.timeIntervalSince1970.rounded(.down)) + timeZone.secondsFromGMT(for: now)
        let minutes = ((local / 60) % 1440 + 1440) % 1440
        let (h, m) = (minutes / 60, minutes % 60)
        return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
    }

    // MARK: Table

    private enum Column: CaseIterable {
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

    /// How much of the full layout fits: narrower windows give up, in this order, the wide gaps, the RETRY
    /// column (its count moves into STATE), the level word (the glyph stays, the header is the legend), name
    /// width, then ACTION, NEXT and EXPIRES (the detail pane still has them).
    private struct Layout {
        var gap = 2
        var retriesInState = false
        var levelWord = true
        var nameCap = 32
        var columns: [Column] = Column.allCases

        static let minimumSummary = 20

        static func steps() -> [(inout Layout) -> Void] {
            [
                { $0.gap = 1 },
                { $0.retriesInState = true; $0.columns.removeAll { $0 == .retries } },
                { $0.levelWord = false },
                { $0.nameCap = 16 },
                { $0.nameCap = 12 },
                { $0.columns.removeAll { $0 == .action } },
                { $0.columns.removeAll { $0 == .next } },
                { $0.columns.removeAll { $0 == .expires } },
                { $0.nameCap = 8 },
            ]
        }
    }

    private struct Cells {
        var level: (glyph: String, word: String, role: Role)
        var name: String
        var state: (text: String, role: Role)
        var expires: (text: String, role: Role)
        var retries: (text: String, role: Role)
        var next: (text: String, role: Role)
        var action: (key: String?, word: String)?
        var summary: String
    }

    private func cells(_ row: Row, now: Date) -> Cells {
        let status = row.status
        let level = row.health.level
        let stateRole: Role =
            switch row.state {
            case .refreshing, .signingIn: .busy
            case .retrying: .degraded
            case .failed: .unhealthy
            case .idle, .loggedOut: .dim
            case .scheduled: .normal
            }
        var expires: (String, Role) = (glyphs.none, .dim)
        if let expiry = status.expiresAt {
            let left = expiry.timeIntervalSince(now)
            let role: Role =
                left <= 0 ? .unhealthy : (!status.hasRefreshToken && left <= calculator.expiryWarning) ? .degraded : .normal
            expires = (RelativeTime.expiry(expiry, now: now), role)
        } else if status.facts.hasSession {
            expires = ("no expiry", .dim)
        }
        var next: (String, Role) = (glyphs.none, .dim)
        if row.state == .refreshing {
            next = ("now", .busy)
        } else if let attempt = status.nextAttempt {
            next = (RelativeTime.countdown(to: attempt, now: now), row.state == .retrying ? .degraded : .normal)
        }
        let action: (String?, String)? =
            switch row.health.action {
            case .login: ("l", "login")
            case .viewLogs: ("v", "logs")
            case .configure: (nil, "configure")
            case .enable: (nil, "enable")
            case nil: nil
            }
        return Cells(
            level: (levelGlyph(level), level.rawValue, Self.role(level)),
            name: clean(status.name),
            state: (Self.stateWord(row.state), stateRole),
            expires: expires,
            retries: ("\(status.retryCount)", status.retryCount > 0 ? .degraded : .dim),
            next: next,
            action: action,
            summary: clean(row.health.summary))
    }

    private func stateText(_ cells: Cells, _ row: Row, _ layout: Layout) -> String {
        if layout.retriesInState, row.status.retryCount > 0, row.state == .retrying || row.state == .failed {
            return cells.state.text + " \(row.status.retryCount)"
        }
        return cells.state.text
    }

    private func actionText(_ action: (key: String?, word: String)?) -> String {
        guard let action else { return glyphs.none }
        return action.key.map { "\($0) \(action.word)" } ?? action.word
    }

    private func widths(_ cells: [(Cells, Row)], _ layout: Layout) -> [Column: Int] {
        var widths: [Column: Int] = [:]
        for column in layout.columns { widths[column] = TextWidth.of(column.title) }
        // Room for `in 4m12s`, so columns do not jump while countdowns tick.
        for column in [Column.expires, .next] where widths[column] != nil { widths[column] = 8 }
        if !layout.levelWord { widths[.level] = 1 }
        for (cell, row) in cells {
            func grow(_ column: Column, _ text: String) {
                if let current = widths[column] { widths[column] = max(current, TextWidth.of(text)) }
            }
            grow(.level, layout.levelWord ? cell.level.glyph + " " + cell.level.word : cell.level.glyph)
            grow(.name, cell.name)
            grow(.state, stateText(cell, row, layout))
            grow(.expires, cell.expires.text)
            grow(.retries, cell.retries.text)
            grow(.next, cell.next.text)
            grow(.action, actionText(cell.action))
        }
        if let name = widths[.name] { widths[.name] = min(name, layout.nameCap) }
        widths[.summary] = 0
        return widths
    }

    private mutating func table(_ rows: [Row], selected: Int?, width: Int, height: Int, now: Date) -> [Line] {
        pageSize = max(1, height)
        if let selected {
            if selected < scrollTop { scrollTop = selected }
            if selected >= scrollTop + height { scrollTop = selected - height + 1 }
        }
        scrollTop = max(0, min(scrollTop, rows.count - height))
        let visible = height > 0 ? Array(rows.dropFirst(scrollTop).prefix(height)) : []
        onScreen = visible.map(\.status.name)
        let rowCells = visible.map { (self.cells($0, now: now), $0) }

        var layout = Layout()
        var columnWidths = widths(rowCells, layout)
        func summaryRoom() -> Int {
            let fixed = layout.columns.filter { $0 != .summary }.reduce(0) { $0 + (columnWidths[$1] ?? 0) }
            return width - fixed - layout.gap * (layout.columns.count - 1)
        }
        for step in Layout.steps() where summaryRoom() < Layout.minimumSummary {
            step(&layout)
            columnWidths = widths(rowCells, layout)
        }
        columnWidths[.summary] = max(0, summaryRoom())
        let gap = String(repeating: " ", count: layout.gap)

        var titleLine = Line(fill: .columnHeader)
        for (i, column) in layout.columns.enumerated() {
            if i > 0 { titleLine.add(gap, .columnHeader) }
            let title = column == .level && !layout.levelWord ? "" : column.title
            titleLine.add(
                TextWidth.fit(title, to: columnWidths[column] ?? 0, ellipsis: glyphs.ellipsis, alignRight: column == .retries),
                .columnHeader)
        }
        var lines = [titleLine]
        if visible.isEmpty && height > 0 {
            let message =
                statuses.isEmpty
                ? "No servers to show."
                : "No server matches /\(clean(filter)) (Esc clears the filter)"
            lines.append(Line([Span(" " + message, .dim)]))
        }
        for (offset, (cell, row)) in rowCells.enumerated() {
            var line = Line(fill: scrollTop + offset == selected ? .selected : nil)
            func add(_ column: Column, _ text: String, _ role: Role, alignRight: Bool = false) {
                guard let w = columnWidths[column] else { return }
                if column != layout.columns.first { line.add(gap) }
                line.add(TextWidth.fit(text, to: w, ellipsis: glyphs.ellipsis, alignRight: alignRight), role)
            }
            for column in layout.columns {
                switch column {
                case .level:
                    add(.level, layout.levelWord ? cell.level.glyph + " " + cell.level.word : cell.level.glyph, cell.level.role)
                case .name: add(.name, cell.name, .normal)
                case .state: add(.state, stateText(cell, row, layout), cell.state.role)
                case .expires: add(.expires, cell.expires.text, cell.expires.role)
                case .retries: add(.retries, cell.retries.text, cell.retries.role, alignRight: true)
                case .next: add(.next, cell.next.text, cell.next.role)
                case .action:
                    let w = columnWidths[.action] ?? 0
                    line.add(gap)
                    if let action = cell.action, let key = action.key, w >= 3 {
                        line.add(key, .key)
                        line.add(TextWidth.fit(" " + action.word, to: w - 1, ellipsis: glyphs.ellipsis))
                    } else if let action = cell.action {
                        line.add(TextWidth.fit(action.word, to: w, ellipsis: glyphs.ellipsis))
                    } else {
                        line.add(TextWidth.fit(glyphs.none, to: w, ellipsis: glyphs.ellipsis), .dim)
                    }
                case .summary:
                    let w = columnWidths[.summary] ?? 0
                    if w > 0 {
                        line.add(gap)
                        line.add(TextWidth.truncate(cell.summary, to: w, ellipsis: glyphs.ellipsis))
                    }
                }
            }
            lines.append(line)
        }
        return lines
    }

    // MARK: Panes

    private func paneTitle(_ title: String, width: Int) -> Line {
        let head = glyphs.horizontal + " " + TextWidth.truncate(clean(title), to: max(0, width - 4), ellipsis: glyphs.ellipsis) + " "
        let rest = max(0, width - TextWidth.of(head))
        return Line([Span(head + String(repeating: glyphs.horizontal, count: rest), .paneTitle)])
    }

    private func detail(_ row: Row, width: Int, height: Int, now: Date) -> [Line] {
        let status = row.status
        let health = row.health
        func when(_ date: Date?, relative: (Date) -> String) -> String? {
            date.map { TimeText.rfc3339($0) + " (" + relative($0) + ")" }
        }
        var lastRefresh = when(status.lastRefreshAt) { RelativeTime.ago($0, now: now) }
        if let seconds = status.lastRefreshDuration {
            lastRefresh = (lastRefresh ?? "") + ", took \(Int((seconds * 1000).rounded())) ms"
        }
        var next = when(status.nextAttempt) { RelativeTime.countdown(to: $0, now: now) }
        if status.retryCount > 0 { next = (next ?? glyphs.none) + ", retry \(status.retryCount)" }
        let expires =
            when(status.expiresAt) { RelativeTime.expiry($0, now: now) }
            ?? (status.facts.hasSession ? "no expiry" : nil)
        var fields: [(String, [Span])] = [
            (
                "Health",
                [
                    Span(levelGlyph(health.level) + " " + health.level.rawValue, Self.role(health.level)),
                    Span(": " + clean(health.summary)),
                ]
            ),
            ("Detail", [Span(health.detail.map(clean) ?? glyphs.none)]),
            ("Last error", [Span(status.lastError.map(clean) ?? glyphs.none, status.lastError == nil ? .normal : .unhealthy)]),
            ("Expires", [Span(expires ?? glyphs.none)]),
            ("Next attempt", [Span(next ?? glyphs.none)]),
            ("Scopes", [Span(status.scope.map(clean) ?? glyphs.none)]),
            ("Token endpoint", [Span(status.tokenEndpoint.map(clean) ?? glyphs.none)]),
            ("Last refresh", [Span(lastRefresh ?? "never")]),
        ]
        if let url = status.signInURL {
            // While the browser sign-in waits, the URL comes first: the user may have to open it by hand.
            fields.insert(("Sign in at", [Span(clean(url), .key)]), at: 1)
            fields.insert(("", [Span("Esc cancels the sign-in", .dim)]), at: 2)
        }
        var lines = [paneTitle(status.name + (status.url.map { "  " + $0 } ?? ""), width: width)]
        for (label, value) in fields.prefix(max(0, height - 1)) {
            var line = Line()
            line.add(" " + TextWidth.fit(label, to: 15, ellipsis: glyphs.ellipsis) + " ", .dim)
            for span in value { line.add(span.text, span.role) }
            lines.append(line.clipped(to: width, ellipsis: glyphs.ellipsis))
        }
        return lines
    }

    private func logs(_ server: String, _ logLines: [String]?, width: Int, height: Int) -> [Line] {
        var lines = [paneTitle("log: \(server)  (v or Esc closes)", width: width)]
        let room = max(0, height - 1)
        guard let logLines else {
            lines.append(Line([Span(" loading" + glyphs.ellipsis, .dim)]))
            return lines
        }
        if logLines.isEmpty {
            lines.append(Line([Span(" No log lines for \(clean(server)) yet.", .dim)]))
            return lines
        }
        for text in logLines.suffix(room) {
            lines.append(Line([Span(" " + TextWidth.truncate(clean(text), to: width - 1, ellipsis: glyphs.ellipsis))]))
        }
        return lines
    }

    // MARK: Help and footer

    /// The help box, built from the key table, centred in the body.
    private func help(width: Int, height: Int) -> [Line] {
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
        let topRule = glyphs.topLeft + glyphs.horizontal + heading
            + String(repeating: glyphs.horizontal, count: max(0, boxWidth - 3 - TextWidth.of(heading))) + glyphs.topRight
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
    private func footer(width: Int) -> Line {
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
}
