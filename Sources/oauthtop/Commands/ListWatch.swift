import Foundation
import Health
import RefreshEngine

#if canImport(Glibc)
    import Glibc
#endif

/// `list --watch`: the plain table again every interval, read from the store (whichever oauthtop process is
/// refreshing writes it there). On a terminal the screen is cleared and the table drawn from the top, so it stays
/// in place without taking the terminal over as ncurses would; into a pipe or file each table follows the last,
/// under a line with the time; with `--json`, one JSON array per line.
struct ListWatch {
    var json: Bool
    var interval: TimeInterval
    var toTerminal = isatty(STDOUT_FILENO) == 1

    /// Runs until the process is stopped (Ctrl-C).
    func run(_ statuses: () async throws -> [ServerStatus]) async throws {
        while true {
            let now = Date()
            write(frame(try await statuses(), now: now))
            try await Task.sleep(for: .seconds(interval))
        }
    }

    /// What one redraw writes.
    func frame(_ statuses: [ServerStatus], now: Date) -> String {
        if json { return ListJSON.line(statuses) + "\n" }
        let table = ListTable.render(statuses, now: now)
        let heading = "oauthtop list, every \(Self.seconds(interval)): \(TimeText.rfc3339(now))"
        // Home, the table, then clear what an older, longer table left below it.
        if toTerminal { return "\u{1B}[H" + heading + "\u{1B}[K\n\n" + Self.clearingEachLine(table) + "\u{1B}[J" }
        return heading + "\n" + table + "\n\n"
    }

    private func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = Glibc.write(STDOUT_FILENO, bytes.baseAddress, bytes.count) }
    }

    /// Each line ends by clearing the rest of it, so a shorter cell leaves nothing of the longer one before it.
    private static func clearingEachLine(_ table: String) -> String {
        table.split(separator: "\n", omittingEmptySubsequences: false).map { $0 + "\u{1B}[K" }.joined(separator: "\n")
    }

    static func seconds(_ interval: TimeInterval) -> String {
        interval == interval.rounded() ? "\(Int(interval)) s" : "\(interval) s"
    }
}
