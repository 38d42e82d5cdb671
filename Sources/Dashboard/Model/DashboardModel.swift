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
    public internal(set) var glyphs: Glyphs
    public var calculator: HealthCalculator
    /// The zone of the header clock.
    public var timeZone: TimeZone
    public let keymap: Keymap

    public internal(set) var statuses: [String: ServerStatus] = [:]
    public internal(set) var sortOrder: SortOrder = .name
    public internal(set) var filter = ""
    public internal(set) var isEditingFilter = false
    public internal(set) var pane: Pane = .none
    public internal(set) var isShowingHelp = false
    /// A dangerous command waiting for y/n, and the server it is about.
    public internal(set) var confirmation: Confirmation?
    public internal(set) var flash: Flash?
    /// Servers whose forced refresh was asked for and has not been answered: shown as `refreshing` at once.
    public internal(set) var pendingRefresh: Set<String> = []
    public internal(set) var selectedName: String?
    /// `A` is signing in to several servers: select each as its sign-in starts.
    public internal(set) var followSignIns = false

    var selectedIndex = 0
    var scrollTop = 0
    /// Table rows in the last frame: what PgUp/PgDn move by.
    var pageSize = 10
    /// Servers in the last frame, for `nextRepaint(after:)`.
    var onScreen: [String] = []
    var detailOnScreen: String?

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
        // During `A`, each sign-in is selected as it starts, so the detail pane shows its URL or code.
        if followSignIns, status.refreshState == .signingIn, statuses[status.name]?.refreshState != .signingIn {
            selectedName = status.name
        }
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
}
