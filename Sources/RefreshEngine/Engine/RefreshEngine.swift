import CoreMetrics
import Foundation
import Health
import Logging
import OAuth
import TokenStore

/// Keeps every configured server's tokens fresh: one actor, one deadline queue, one refresh per server at a time.
///
/// Drive it with `run()` (which calls `start()`), read it through `statuses` or `snapshot()`, and command it
/// with `refresh(_:)`, `refreshAll()`, `login(_:onAuthorizationURL:)`, `cancelLogin(_:)`, `adopt(_:)`,
/// `logout(_:)` and `probe(_:)`. With a `ConnectionProber`, every signed-in server is probed with an MCP
/// `initialize` after each refresh and every `probe_interval` (5 minutes), through the same deadline queue.
///
/// The actor is a shell: what happens to a server is decided by its `ServerRecord`'s transitions, which return
/// `Effects`; the actor does the IO (store, token endpoint, prober, sign-in), owns the shared resources (the
/// queue, the refresh slots, the subscribers) and carries the effects out (`carryOut`).
public actor RefreshEngine {
    public nonisolated let policy: RefreshPolicy
    /// Names this process in cross-process refresh leases.
    public nonisolated let owner: String
    let store: any TokenStore
    let refresher: any TokenRefresher
    /// Browser sign-in and revocation; `nil` in processes that cannot sign in.
    let signInService: (any SignInService)?
    /// The connection probe; `nil`: no probes.
    let prober: (any ConnectionProber)?
    nonisolated let clock: any EngineClock
    let logger: Logger
    let calculator: HealthCalculator
    let jitterSample: @Sendable () -> Double
    let broadcaster = StatusBroadcaster()
    var metrics: RefreshMetrics

    var servers = ServerTable()
    /// Server names in configuration order.
    var order: [String] = []
    var queue = DeadlineQueue()
    /// Refreshes that may start now (`max_parallel` minus those running).
    var freeSlots: Int
    /// Forced refreshes waiting for a slot; served before the due servers in `readyQueue`.
    var slotWaiters: [CheckedContinuation<Void, Never>] = []
    /// Due servers waiting for a free slot, oldest first (`readyHead` is the first unread).
    var readyQueue: [String] = []
    var readyHead = 0
    /// Probes running now (at most `max_parallel`).
    var probesRunning = 0
    /// Due probes waiting for a free probe slot, in order; started as probes end (`startWaitingProbes`).
    var probesWaiting: [String] = []
    var probesWaitingSet: Set<String> = []
    /// Servers whose bookkeeping changed on a path that cannot wait for the store; saved in one batch by the loop.
    var unsaved: Set<String> = []
    var lastReading: ClockReading?
    var sleepTask: Task<Void, Never>?
    /// The loop's save of `unsaved`, when one is on its way (`saveUnsavedInBackground`).
    var savingTask: Task<Void, Never>?
    var sleepUntil: Date?
    var started = false
    /// When `run()` last read other processes' writes (monotonic seconds).
    var lastStoreSync: Double = -.infinity
    /// Counts published changes; stamps `ServerStatus.version`.
    var publishedVersion: UInt64 = 0
    /// How often the scheduler loop has woken up; between deadlines it wakes only for the 30 s re-check.
    public internal(set) var wakeups = 0

    public init(
        servers definitions: [ServerDefinition],
        store: any TokenStore,
        refresher: any TokenRefresher,
        signIn: (any SignInService)? = nil,
        prober: (any ConnectionProber)? = nil,
        clock: any EngineClock = SystemClock(),
        policy: RefreshPolicy = RefreshPolicy(),
        logger: Logger = Logger(label: "oauthtop.engine"),
        metricsFactory: (any MetricsFactory)? = nil,
        owner: String = LeaseOwner.current(),
        jitterSample: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.policy = policy
        self.owner = owner
        self.store = store
        self.refresher = refresher
        self.signInService = signIn
        self.prober = prober
        self.clock = clock
        self.logger = logger
        self.calculator = HealthCalculator(expiryWarning: policy.expiryWarning)
        self.jitterSample = jitterSample
        self.metrics = RefreshMetrics(factory: metricsFactory ?? MetricsSystem.factory)
        self.freeSlots = max(1, policy.maxParallel)
        for definition in definitions where self.servers[definition.name] == nil {
            self.servers.add(ServerRecord(definition: definition))
            self.order.append(definition.name)
        }
    }

    // MARK: Reading

    /// Every server's status as it changes. Each access is a new subscription that starts with the current
    /// status of every server; a slow reader gets each server's latest status, never an unbounded backlog.
    public nonisolated var statuses: AsyncStream<ServerStatus> {
        let mailbox = subscribe()
        return AsyncStream(unfolding: { await mailbox.take() }, onCancel: { mailbox.finish() })
    }

    /// The same subscription read a batch at a time: each element holds the latest status of every server that
    /// changed since the previous one (the first holds every server). The mailbox is the only queue between the
    /// engine and a reader, so a reader that applies whole batches never sees a server twice in one.
    public nonisolated var statusBatches: AsyncStream<[ServerStatus]> {
        let mailbox = subscribe()
        return AsyncStream(unfolding: { await mailbox.takeBatch() }, onCancel: { mailbox.finish() })
    }

    private nonisolated func subscribe() -> StatusMailbox {
        let mailbox = broadcaster.subscribe()
        Task { await self.sendSnapshot(to: mailbox) }
        return mailbox
    }

    private func sendSnapshot(to mailbox: StatusMailbox) {
        for status in snapshot() { mailbox.put(status) }
    }

    /// The status of one server now (mcpproxy's `GetRefreshState`).
    public func status(of name: String) throws(EngineError) -> ServerStatus {
        guard let record = servers[name] else { throw .unknownServer(name) }
        return makeStatus(record, now: clock.now)
    }

    /// The status of every server now, in configuration order.
    public func snapshot() -> [ServerStatus] {
        let now = clock.now
        return order.compactMap { servers[$0].map { makeStatus($0, now: now) } }
    }

    // MARK: Lifecycle

    /// Loads sessions and refresh bookkeeping from the store and schedules every server. Expired sessions with
    /// a refresh token are due at once; `run()` refreshes them, `max_parallel` at a time.
    public func start() async throws {
        guard !started else { return }
        started = true
        let sessions = try await store.sessions()
        let states = try await store.refreshStates()
        let byName = Dictionary(sessions.map { ($0.server, $0) }, uniquingKeysWith: { first, _ in first })
        let context = context()
        for name in order {
            let effects = servers.update(name) { $0.resume(byName[name], saved: states[name], context) } ?? .none
            carryOutLater(effects, for: name)
        }
        await saveUnsaved()
        // The store was just read: the first sync is one interval from now, not in the middle of the recovery.
        lastStoreSync = clock.monotonic
        lastReading = ClockReading(clock)
        logger.info(
            "OAuth refresh engine started",
            metadata: ["servers": "\(order.count)", "sessions": "\(sessions.count)", "owner": "\(owner)"])
    }

    /// Runs the scheduler until the calling task is cancelled. The kernel tells when the wall clock is set or the
    /// machine resumes (`EngineClock.wallClockSets`), and the loop wakes at once; no sleep lasts longer than 30 s,
    /// so a change nothing told of costs at most that.
    public func run() async throws {
        try await start()
        let clockSets = Task { [clock] in
            for await _ in clock.wallClockSets() { self.wallClockWasSet() }
        }
        defer { clockSets.cancel() }
        while !Task.isCancelled {
            // The store is read at most every few seconds, not on every deadline: with many servers the loop
            // wakes often, and other processes' writes are also caught by the lease check before each refresh.
            if wakeups > 0, clock.monotonic - lastStoreSync >= RefreshPolicy.storeSyncInterval {
                lastStoreSync = clock.monotonic
                await syncWithStore()
            }
            processDue()
            saveUnsavedInBackground()
            let now = clock.now
            var wait = RefreshPolicy.maxSleep
            if let next = nextDeadline() {
                wait = min(wait, max(0, next.timeIntervalSince(now)))
            }
            // A server that can only come back through a session from elsewhere (`oauthtop login` or `import` in
            // another process) is looked for at every store sync, not after a 30 s sleep.
            if wait > RefreshPolicy.storeSyncInterval, servers.values.contains(where: \.awaitsSessionFromElsewhere) {
                wait = RefreshPolicy.storeSyncInterval
            }
            await sleep(seconds: wait, until: now.addingTimeInterval(wait))
            wakeups += 1
        }
    }

    /// Adopts what other processes wrote to the store since we last looked: refreshed tokens, imports, logouts.
    /// `run()` calls it at most every `RefreshPolicy.storeSyncInterval` (5 s).
    public func syncWithStore() async {
        let readStarted = servers.serial
        let stored: [StoredSession]
        do {
            stored = try await store.sessions()
        } catch {
            logger.warning("Could not read the token store", metadata: ["error": "\(error)"])
            return
        }
        let byName = Dictionary(stored.map { ($0.server, $0) }, uniquingKeysWith: { first, _ in first })
        let context = context()
        // A server that changed while the store was read may have committed newer tokens than the read saw: adopting
        // the read would put a rotated-out refresh token back. The next sync looks at it again.
        for name in order where !servers.changed(name, since: readStarted) {
            let effects = servers.update(name) { $0.readFromStore(byName[name], context) } ?? .none
            carryOutLater(effects, for: name)
        }
        await saveUnsaved()
    }

    /// Ends every status subscription; in-flight refreshes finish on their own.
    public func shutdown() {
        sleepTask?.cancel()
        broadcaster.finish()
    }

    // MARK: Carrying out what the records decide

    /// What a transition may read besides its record, as of now.
    func context() -> TransitionContext {
        TransitionContext(now: clock.now, policy: policy, jitter: jitterSample, probesEnabled: prober != nil)
    }

    /// Runs one transition of `name`'s record and carries its effects out, saving before publishing.
    func transition(_ name: String, _ body: (inout ServerRecord) -> Effects) async {
        guard let effects = servers.update(name, body) else { return }
        await carryOut(effects, for: name)
    }

    /// Carries out a transition's effects in order: log, queue, save (awaited, so readers of the store see the
    /// change no later than subscribers), publish, start a refresh.
    func carryOut(_ effects: Effects, for name: String) async {
        write(effects.log)
        for entry in effects.enqueue { enqueue(entry) }
        if effects.persist { await persist(name) }
        if effects.publish { publish(name, now: clock.now) }
        if let trigger = effects.startRefresh { startOrQueue(name, trigger: trigger) }
    }

    /// The same without waiting: a save joins `unsaved`, which the loop (or the caller) writes in one batch.
    func carryOutLater(_ effects: Effects, for name: String) {
        write(effects.log)
        for entry in effects.enqueue { enqueue(entry) }
        if effects.persist { unsaved.insert(name) }
        if effects.publish { publish(name, now: clock.now) }
        if let trigger = effects.startRefresh { startOrQueue(name, trigger: trigger) }
    }

    private func write(_ lines: [Effects.LogLine]) {
        for line in lines {
            logger.log(
                level: line.level, "\(line.message)", metadata: line.metadata.mapValues { .string($0) })
        }
    }

    /// Puts a deadline in the queue; one earlier than the loop's sleep wakes it.
    private func enqueue(_ entry: DeadlineQueue.Entry) {
        queue.insert(entry)
        if let until = sleepUntil, entry.date < until {
            sleepTask?.cancel()
        }
    }

    func makeStatus(_ record: ServerRecord, now: Date) -> ServerStatus {
        let facts = record.facts()
        return ServerStatus(
            name: record.name,
            version: publishedVersion,
            url: record.definition.url,
            facts: facts,
            health: calculator.evaluate(facts, now: now),
            observedAt: now,
            issuedAt: record.session?.issuedAt,
            scope: record.session?.scope,
            tokenEndpoint: record.client?.tokenEndpoint,
            lastAttemptAt: record.lastAttemptAt,
            lastResult: record.lastResult,
            lastRefreshAt: record.lastRefreshAt,
            lastRefreshDuration: record.lastRefreshDuration,
            signInURL: record.signInURL?.absoluteString,
            deviceCode: record.deviceCode,
            probedAt: record.probedAt,
            canRefresh: record.canRefresh
        )
    }

    func publish(_ name: String, now: Date) {
        guard let record = servers[name] else { return }
        publishedVersion &+= 1
        guard broadcaster.subscriberCount > 0 else { return }
        broadcaster.publish(makeStatus(record, now: now))
    }

    /// Saves the refresh bookkeeping so `list` and a restart see it; a failure is logged, not fatal.
    func persist(_ name: String) async {
        guard let record = servers[name] else { return }
        unsaved.remove(name)
        do {
            try await store.saveRefreshState(record.storedState(), for: name)
        } catch {
            logger.error(
                "Could not save refresh state", metadata: ["server": "\(name)", "error": "\(error)"])
        }
    }

    /// `saveUnsaved` without holding up the loop: another writer may hold the store for seconds, and meanwhile due
    /// deadlines must still be acted on (a deferred refresh whose holder died is retried within a provider's grace
    /// window of seconds; the soak lost sessions while the loop waited here). One save at a time; what piles up
    /// meanwhile goes in the next.
    func saveUnsavedInBackground() {
        guard savingTask == nil, !unsaved.isEmpty else { return }
        savingTask = Task {
            await saveUnsaved()
            savingTask = nil
            saveUnsavedInBackground()
        }
    }

    /// Waits for the loop's save on its way, then saves what is left.
    func finishSaving() async {
        await savingTask?.value
        await saveUnsaved()
    }

    /// Saves the bookkeeping of every server in `unsaved` in one store call (one transaction in SQLite); a
    /// failure is logged, not fatal.
    func saveUnsaved() async {
        guard !unsaved.isEmpty else { return }
        let names = unsaved
        unsaved.removeAll()
        var states: [String: StoredRefreshState] = [:]
        for name in names {
            if let record = servers[name] { states[name] = record.storedState() }
        }
        do {
            try await store.saveRefreshStates(states)
        } catch {
            logger.error(
                "Could not save refresh state", metadata: ["servers": "\(states.count)", "error": "\(error)"])
        }
    }
}
