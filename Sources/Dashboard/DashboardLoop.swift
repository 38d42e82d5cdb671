import Foundation
import RefreshEngine

#if canImport(Glibc)
    import Glibc
#endif

/// Everything that can happen to the dashboard, on one stream (htop's `ScreenManager_run`).
enum Event: Sendable {
    /// Keys are waiting on stdin (or the terminal hung up).
    case input(hangup: Bool)
    case signal(Int32)
    /// Engine statuses wait in the inbox.
    case statuses
    /// A countdown or the clock on screen moved on.
    case tick
    /// Paint now: queued behind everything already pending, so a burst of events costs one frame.
    case paint
    case refreshed(String, Result<RefreshOutcome, EngineError>)
    case refreshedAll([String: RefreshOutcome])
    case loggedOut(String, error: String?)
    case logLines(String, [String])
    /// A message for the flash line (how a sign-in ended).
    case flash(String)
}

/// The one loop: applies events to the model and paints once per drained burst, at most 60 times a second.
@MainActor
final class DashboardLoop {
    private let engine: RefreshEngine
    private let terminal: Terminal
    private let painter: Painter
    private var model: DashboardModel
    private let logLines: @Sendable (String) async -> [String]
    private let onFrame: (@Sendable (Frame, Double) -> Void)?
    private let events: AsyncStream<Event>
    private let sink: AsyncStream<Event>.Continuation
    private let inbox: StatusInbox
    private var input: InputThread?
    private var pacer = FramePacer()
    private var paintQueued = false
    private var delayedPaint: Task<Void, Never>?
    private var tick: Task<Void, Never>?
    private var tickAt: Date?
    private var logsLoading: String?
    private var exitCode: Int32?

    init(
        engine: RefreshEngine, terminal: Terminal, painter: Painter, model: DashboardModel,
        logLines: @escaping @Sendable (String) async -> [String], onFrame: (@Sendable (Frame, Double) -> Void)? = nil
    ) {
        self.onFrame = onFrame
        self.engine = engine
        self.terminal = terminal
        self.painter = painter
        self.model = model
        self.logLines = logLines
        // Unbounded is safe: every producer is bounded (one doorbell, one paint, one tick, one input event
        // awaiting its ack, and one answer per command the user typed).
        (events, sink) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
        let sink = self.sink
        inbox = StatusInbox { sink.yield(.statuses) }
    }

    /// Runs until q, Ctrl-C, SIGTERM, SIGHUP or a hang-up; returns the exit code (0, 130, 143, 129).
    func run() async -> Int32 {
        let sink = self.sink
        let input = InputThread(
            onInput: { sink.yield(.input(hangup: $0)) }, onSignal: { sink.yield(.signal($0)) })
        self.input = input
        input.start()
        let inbox = self.inbox
        let statuses = engine.statuses
        let forwarder = Task.detached {
            for await status in statuses { inbox.put(status) }
        }
        paint()

        for await event in events {
            handle(event)
            if let exitCode {
                forwarder.cancel()
                tick?.cancel()
                delayedPaint?.cancel()
                input.stop()
                terminal.end()
                sink.finish()
                return exitCode
            }
        }
        terminal.end()
        return exitCode ?? 0
    }

    private func handle(_ event: Event) {
        let now = Date()
        switch event {
        case .input(let hangup):
            if hangup {
                exitCode = 128 + SIGHUP
                return
            }
            drainKeys(now: now)
            input?.ack()
        case .signal(SIGWINCH):
            terminal.resize()
            drainKeys(now: now)
            requestPaint()
        case .signal(let signal):
            exitCode = 128 + signal
        case .statuses:
            let batch = inbox.takeAll()
            model.apply(batch)
            if case .logs(let server, _) = model.pane, batch.contains(where: { $0.name == server }) {
                loadLogs(server)
            }
            requestPaint()
        case .tick:
            tickAt = nil
            requestPaint()
        case .paint:
            let wait = pacer.wait(at: Self.monotonic())
            if wait > 0 {
                let sink = self.sink
                delayedPaint = Task {
                    try? await Task.sleep(for: .seconds(wait))
                    sink.yield(.paint)
                }
            } else {
                paintQueued = false
                paint()
            }
        case .refreshed(let name, let result):
            model.finishRefresh(name, result, now: now)
            requestPaint()
        case .refreshedAll(let outcomes):
            model.finishRefreshAll(outcomes, now: now)
            requestPaint()
        case .loggedOut(let name, let error):
            model.finishLogout(name, error: error, now: now)
            requestPaint()
        case .logLines(let name, let lines):
            if logsLoading == name { logsLoading = nil }
            model.showLogs(lines, for: name)
            requestPaint()
        case .flash(let message):
            model.showFlash(message, now: now)
            requestPaint()
        }
    }

    /// How a sign-in ended, for the flash line.
    nonisolated static func describe(_ outcome: LoginOutcome, server: String) -> String {
        switch outcome {
        case .signedIn: "Signed in to \(server)"
        case .failed(let error): "Sign-in to \(server) failed: \(error)"
        }
    }

    private func drainKeys(now: Date) {
        while exitCode == nil, let key = terminal.readKey() {
            perform(model.handle(key, now: now), now: now)
        }
    }

    private func perform(_ effect: Effect, now: Date) {
        let engine = self.engine
        let sink = self.sink
        switch effect {
        case .none:
            return
        case .redraw:
            break
        case .quit:
            exitCode = 0
            return
        case .refresh(let name):
            Task {
                let result: Result<RefreshOutcome, EngineError>
                do throws(EngineError) {
                    result = .success(try await engine.refresh(name))
                } catch {
                    result = .failure(error)
                }
                sink.yield(.refreshed(name, result))
            }
        case .refreshAll:
            Task { sink.yield(.refreshedAll(await engine.refreshAll())) }
        case .logout(let name):
            Task {
                do {
                    try await engine.logout(name)
                    sink.yield(.loggedOut(name, error: nil))
                } catch {
                    sink.yield(.loggedOut(name, error: String(describing: error)))
                }
            }
        case .login(let name):
            Task {
                let message: String
                do throws(EngineError) {
                    message = DashboardLoop.describe(try await engine.login(name), server: name)
                } catch {
                    message = error.description
                }
                sink.yield(.flash(message))
            }
        case .cancelLogin(let name):
            Task { _ = await engine.cancelLogin(name) }
        case .loadLogs(let name):
            loadLogs(name)
        }
        requestPaint()
    }

    private func loadLogs(_ name: String) {
        guard logsLoading != name else { return }
        logsLoading = name
        let logLines = self.logLines
        let sink = self.sink
        Task { sink.yield(.logLines(name, await logLines(name))) }
    }

    private func requestPaint() {
        guard !paintQueued else { return }
        paintQueued = true
        sink.yield(.paint)
    }

    private func paint() {
        let now = Date()
        let size = terminal.size
        let frame = model.render(width: size.width, height: size.height, now: now)
        painter.paint(frame)
        let paintedAt = Self.monotonic()
        pacer.painted(at: paintedAt)
        onFrame?(frame, paintedAt)
        scheduleTick(model.nextRepaint(after: now), now: now)
    }

    /// One pending tick at a time, for the next moment the screen would change by itself.
    private func scheduleTick(_ at: Date, now: Date) {
        guard at != tickAt else { return }
        tick?.cancel()
        tickAt = at
        let sink = self.sink
        let delay = max(0, at.timeIntervalSince(now))
        tick = Task {
            do {
                try await Task.sleep(for: .seconds(delay))
            } catch {
                return
            }
            sink.yield(.tick)
        }
    }

    static func monotonic() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
