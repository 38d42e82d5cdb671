import Foundation
import RefreshEngine

#if canImport(Glibc)
    import Glibc
#endif

/// The one loop: applies events to the model and paints once per drained burst, at most 60 times a second.
///
/// Statuses flow through one queue: the engine keeps at most one pending status per server in this subscriber's
/// mailbox, `follow` takes everything pending as one batch, applies it on the main actor and asks for a paint, and
/// only then takes the next batch. Keys arrive as `.input` events; the model turns each into an `Effect`, which
/// `perform` carries out (engine commands run in tasks and come back as events).
@MainActor
final class DashboardLoop {
    private let engine: any DashboardEngine
    private let screen: any Screen
    private var model: DashboardModel
    private let logLines: @Sendable (String) async -> [String]
    private let onFrame: (@Sendable (Frame, Double) -> Void)?
    private let now: @Sendable () -> Date
    private let events: AsyncStream<Event>
    private let sink: AsyncStream<Event>.Continuation
    private var pacer = FramePacer()
    private var paintQueued = false
    private var delayedPaint: Task<Void, Never>?
    private var tick: Task<Void, Never>?
    private var tickAt: Date?
    private var logsLoading: String?
    private var exitCode: Int32?

    init(
        engine: any DashboardEngine, screen: any Screen, model: DashboardModel,
        logLines: @escaping @Sendable (String) async -> [String], onFrame: (@Sendable (Frame, Double) -> Void)? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.engine = engine
        self.screen = screen
        self.model = model
        self.logLines = logLines
        self.onFrame = onFrame
        self.now = now
        // Unbounded is safe: every producer is bounded (one paint, one tick, one input event awaiting
        // `inputDrained`, and one answer per command the user typed).
        (events, sink) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
    }

    /// Runs until q, Ctrl-C, SIGTERM, SIGHUP or a hang-up; returns the exit code (0, 130, 143, 129).
    func run() async -> Int32 {
        let sink = self.sink
        screen.startInput { sink.yield($0) }
        let batches = engine.statusBatches
        let statuses = Task { await self.follow(batches) }
        paint()
        for await event in events {
            handle(event)
            if exitCode != nil { break }
        }
        statuses.cancel()
        tick?.cancel()
        delayedPaint?.cancel()
        screen.end()
        sink.finish()
        return exitCode ?? 0
    }

    /// Takes the engine's statuses a batch at a time; the next batch is taken only after this one is applied.
    private func follow(_ batches: AsyncStream<[ServerStatus]>) async {
        for await batch in batches {
            guard exitCode == nil else { return }
            model.apply(batch)
            if case .logs(let server, _) = model.pane, batch.contains(where: { $0.name == server }) {
                loadLogs(server)
            }
            requestPaint()
        }
    }

    private func handle(_ event: Event) {
        let now = self.now()
        switch event {
        case .input(let hangup):
            if hangup {
                exitCode = 128 + SIGHUP
                return
            }
            drainKeys(now: now)
            screen.inputDrained()
        case .signal(SIGWINCH):
            screen.resized()
            drainKeys(now: now)
            requestPaint()
        case .signal(let signal):
            exitCode = 128 + signal
        case .tick:
            tickAt = nil
            requestPaint()
        case .paint:
            paintUnlessTooSoon()
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

    private func drainKeys(now: Date) {
        while exitCode == nil, let key = screen.readKey() {
            perform(model.handle(key, now: now))
        }
    }

    private func perform(_ effect: Effect) {
        switch effect {
        case .none:
            return
        case .redraw:
            break
        case .quit:
            exitCode = 0
            return
        case .refresh(let name):
            refresh(name)
        case .refreshAll:
            let engine = self.engine
            let sink = self.sink
            Task { sink.yield(.refreshedAll(await engine.refreshAll())) }
        case .logout(let name):
            logout(name)
        case .login(let name):
            login(name)
        case .loginAll(let names):
            loginAll(names)
        case .cancelLogin(let name):
            let engine = self.engine
            Task { _ = await engine.cancelLogin(name) }
        case .loadLogs(let name):
            loadLogs(name)
        }
        requestPaint()
    }

    // MARK: Engine commands: each runs in a task and comes back as an event

    private func refresh(_ name: String) {
        let engine = self.engine
        let sink = self.sink
        Task {
            let result: Result<RefreshOutcome, EngineError>
            do throws(EngineError) {
                result = .success(try await engine.refresh(name))
            } catch {
                result = .failure(error)
            }
            sink.yield(.refreshed(name, result))
        }
    }

    private func logout(_ name: String) {
        let engine = self.engine
        let sink = self.sink
        Task {
            do {
                _ = try await engine.logout(name)
                sink.yield(.loggedOut(name, error: nil))
            } catch {
                sink.yield(.loggedOut(name, error: String(describing: error)))
            }
        }
    }

    private func login(_ name: String) {
        let engine = self.engine
        let sink = self.sink
        Task {
            let message: String
            do throws(EngineError) {
                message = DashboardLoop.describe(try await engine.login(name), server: name)
            } catch {
                message = error.description
            }
            sink.yield(.flash(message))
        }
    }

    /// `A`: the sign-ins one after another (a browser tab or a device code at a time), each ending on the flash line.
    private func loginAll(_ names: [String]) {
        let engine = self.engine
        let sink = self.sink
        Task {
            var signedIn = 0
            for name in names {
                do throws(EngineError) {
                    let outcome = try await engine.login(name)
                    if case .signedIn = outcome { signedIn += 1 }
                    sink.yield(.flash(DashboardLoop.describe(outcome, server: name)))
                } catch {
                    sink.yield(.flash(error.description))
                }
            }
            sink.yield(.flash("Signed in to \(signedIn) of \(names.count) servers"))
        }
    }

    /// How a sign-in ended, for the flash line.
    nonisolated static func describe(_ outcome: LoginOutcome, server: String) -> String {
        switch outcome {
        case .signedIn: "Signed in to \(server)"
        case .failed(let error): "Sign-in to \(server) failed: \(error)"
        }
    }

    private func loadLogs(_ name: String) {
        guard logsLoading != name else { return }
        logsLoading = name
        let logLines = self.logLines
        let sink = self.sink
        Task { sink.yield(.logLines(name, await logLines(name))) }
    }

    // MARK: Painting

    private func requestPaint() {
        guard !paintQueued else { return }
        paintQueued = true
        sink.yield(.paint)
    }

    /// Paints now, or once the frame pacer allows (at most 60 frames a second).
    private func paintUnlessTooSoon() {
        let wait = pacer.wait(at: Self.monotonic())
        guard wait > 0 else {
            paintQueued = false
            paint()
            return
        }
        let sink = self.sink
        delayedPaint = Task {
            try? await Task.sleep(for: .seconds(wait))
            sink.yield(.paint)
        }
    }

    private func paint() {
        let now = self.now()
        let size = screen.size
        let frame = model.render(width: size.width, height: size.height, now: now)
        screen.paint(frame)
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
