import Foundation

/// The selection follows its server when rows are re-sorted or filtered, and falls back to the same position when
/// the server is gone.
extension DashboardModel {
    mutating func move(by delta: Int, now: Date) -> Effect {
        let rows = self.rows(now: now)
        guard let index = resolveSelection(rows) else { return .none }
        let target = delta > 0 ? index.addingReportingOverflow(delta).partialValue : index + delta
        return move(to: target, rows: rows)
    }

    mutating func move(to index: Int, now: Date) -> Effect {
        let rows = self.rows(now: now)
        guard resolveSelection(rows) != nil else { return .none }
        return move(to: index, rows: rows)
    }

    mutating func move(to index: Int, rows: [Row]) -> Effect {
        let clamped = min(max(0, index), rows.count - 1)
        guard clamped != selectedIndex else { return .none }
        selectedIndex = clamped
        selectedName = rows[clamped].status.name
        return .redraw
    }

    mutating func currentSelection(now: Date) -> String? {
        let rows = self.rows(now: now)
        return resolveSelection(rows).map { rows[$0].status.name }
    }

    /// Keeps the selection on the same server when rows move; falls back to the same position when it is gone.
    mutating func resolveSelection(_ rows: [Row]) -> Int? {
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
}
