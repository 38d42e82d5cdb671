import Foundation
import RefreshEngine

/// Keys in, `Effect`s out: the y/n prompt, the help, the filter prompt and the key table, in that order.
extension DashboardModel {
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

    mutating func perform(_ command: Command, now: Date) -> Effect {
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
            if statuses[name]?.canRefresh == true { pendingRefresh.insert(name) }
            return .refresh(name)
        case .refreshAll:
            for status in statuses.values where status.canRefresh { pendingRefresh.insert(status.name) }
            return .refreshAll
        case .login:
            guard let name = currentSelection(now: now) else { return .none }
            if statuses[name]?.refreshState == .signingIn { return .none }
            pane = .detail
            return .login(name)
        case .loginAll:
            // As `oauthtop login --all`: every enabled server whose action is login, in the rows' order; the detail
            // pane follows each sign-in as it starts (`apply`).
            let due = rows(now: now).map(\.status).filter {
                $0.facts.enabled && $0.health.action == .login && $0.refreshState != .signingIn
            }.map(\.name)
            guard !due.isEmpty else {
                showFlash("No server needs a sign-in", now: now)
                return .redraw
            }
            pane = .detail
            followSignIns = true
            return .loginAll(due)
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

    mutating func answer(_ confirmation: Confirmation, _ key: Key, now: Date) -> Effect {
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
    mutating func editFilter(_ key: Key, now: Date) -> Effect? {
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
    mutating func back() -> Effect {
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
}
