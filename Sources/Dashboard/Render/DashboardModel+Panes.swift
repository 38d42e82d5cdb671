import Foundation
import Health
import RefreshEngine

/// The panes under the table: the selected server's detail and its recent log lines.
extension DashboardModel {
    func paneTitle(_ title: String, width: Int) -> Line {
        let head =
            glyphs.horizontal + " " + TextWidth.truncate(clean(title), to: max(0, width - 4), ellipsis: glyphs.ellipsis)
            + " "
        let rest = max(0, width - TextWidth.of(head))
        return Line([Span(head + String(repeating: glyphs.horizontal, count: rest), .paneTitle)])
    }

    func detail(_ row: Row, width: Int, height: Int, now: Date) -> [Line] {
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
            (
                "Last error",
                [Span(status.lastError.map(clean) ?? glyphs.none, status.lastError == nil ? .normal : .unhealthy)]
            ),
            ("Expires", [Span(expires ?? glyphs.none)]),
            ("Next attempt", [Span(next ?? glyphs.none)]),
            ("Scopes", [Span(status.scope.map(clean) ?? glyphs.none)]),
            ("Token endpoint", [Span(status.tokenEndpoint.map(clean) ?? glyphs.none)]),
            ("Last refresh", [Span(lastRefresh ?? "never")]),
        ]
        if let code = status.deviceCode {
            // A device sign-in: where to go and what to enter, on any device, and how long the code lives.
            fields.insert(("Sign in at", [Span(clean(code.verificationURI), .key)]), at: 1)
            fields.insert(("Enter code", [Span(clean(code.userCode), .key)]), at: 2)
            fields.insert(
                (
                    "",
                    [
                        Span(
                            "the code expires " + RelativeTime.countdown(to: code.expiresAt, now: now)
                                + "; Esc cancels the sign-in", .dim)
                    ]
                ), at: 3)
        } else if let url = status.signInURL {
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

    func logs(_ server: String, _ logLines: [String]?, width: Int, height: Int) -> [Line] {
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
}
