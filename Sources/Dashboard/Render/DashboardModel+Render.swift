import Foundation
import Health

/// The whole screen: header, table, pane or help, flash and footer.
extension DashboardModel {
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
        return Frame(
            width: width, height: height, lines: lines.map { $0.clipped(to: width, ellipsis: glyphs.ellipsis) })
    }

    func tooSmall(width: Int, height: Int) -> Frame {
        var lines = [Line([Span(TextWidth.truncate("window too small", to: max(0, width - 1), ellipsis: ""))])]
        while lines.count < max(0, height) { lines.append(Line()) }
        return Frame(width: width, height: height, lines: Array(lines.prefix(max(0, height))))
    }

    func clean(_ text: String) -> String { TextWidth.sanitize(text, ascii: ascii) }

    func levelGlyph(_ level: HealthLevel) -> String {
        switch level {
        case .healthy: glyphs.healthy
        case .degraded: glyphs.degraded
        case .unhealthy: glyphs.unhealthy
        }
    }

    static func role(_ level: HealthLevel) -> Role {
        switch level {
        case .healthy: .healthy
        case .degraded: .degraded
        case .unhealthy: .unhealthy
        }
    }

    /// `oauthtop demo  6 servers  ● 3 healthy  ▲ 2 degraded  ✗ 1 unhealthy  sort: name           14:05`
    func header(all: [Row], shown: Int, width: Int, now: Date) -> Line {
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

    func clockText(_ now: Date) -> String {
        let local = Int(now.timeIntervalSince1970.rounded(.down)) + timeZone.secondsFromGMT(for: now)
        let minutes = ((local / 60) % 1440 + 1440) % 1440
        let (h, m) = (minutes / 60, minutes % 60)
        return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
    }
}
