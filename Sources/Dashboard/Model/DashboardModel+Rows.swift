import Foundation
import Health
import RefreshEngine

/// The table's rows: every server with its health at `now`, filtered and sorted.
extension DashboardModel {
    struct Row {
        var status: ServerStatus
        var health: HealthStatus
        var state: RefreshState
        /// The name as sorted: case-insensitive, computed once per frame instead of once per comparison.
        var sortKey: String
    }

    /// Every server with its health at `now`, unfiltered and unsorted.
    func evaluated(now: Date) -> [Row] {
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

    func sortedAndFiltered(_ all: [Row]) -> [Row] {
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
}
