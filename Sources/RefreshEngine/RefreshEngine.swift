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
    /// Probes running now (at most `max_parallel`).
    var probesRunning = 0
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
    var freeSlots: Int
    var slotWaiters: [CheckedContinuation<Void, Never>] = []
    /// Due servers waiting for a free slot, oldest first (`readyHead` is the first unread).
    var readyQueue: [String] = []
    var readyHead = 0
    var lastReading: ClockReading?
    var sleepTask: Task<Void, Never>?
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
        owner: String = "pid-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))",
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
            self.servers[definition.name] = ServerRecord(definition: definition)
            self.order.append(definition.name)
        }
    }

    // MARK: Reading

    /// Every server's status as it changes. Each access is a new subscription that starts with the current
    /// status of every server; a slow reader gets each server's latest status, never an unbounded backlog.
    public nonisolated var statuses: AsyncStream<ServerStatus> {
        let (stream, mailbox) = broadcaster.subscribe()
        Task { await self.sendSnapshot(to: mailbox) }
        return stream
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
        let now = clock.now
        for session in sessions where servers[session.server] != nil {
            servers[session.server]!.session = session
        }
        for name in order {
            guard var record = servers[name] else { continue }
            if let saved = states[name] { record.restore(saved) }
            servers[name] = record
            if record.session != nil, record.state != .failed, !record.isInactive {
                scheduleProbe(name, at: now)
            }
            if record.state == .retrying {
                let expired = record.session?.expiresAt.map { $0 <= now } ?? false
                let resume = expired ? now : max(now, record.deadline ?? now)
                setDeadline(name, resume, trigger: .startup)
            } else if record.state != .failed {
                evaluate(name, now: now, trigger: .startup)
            }
            publish(name, now: now)
        }
        await persist(order)
        lastReading = ClockReading(clock)
        logger.info(
            "OAuth refresh engine started",
            metadata: ["servers": "\(order.count)", "sessions": "\(sessions.count)", "owner": "\(owner)"])
    }

    /// Runs the scheduler until the calling task is cancelled. No sleep lasts longer than 30 s, so a wake from
    /// sleep that the clocks did not reveal costs at most that.
    public func run() async throws {
        try await start()
        while !Task.isCancelled {
            // The store is read at most every few seconds, not on every deadline: with many servers the loop
            // wakes often, and other processes' writes are also caught by the lease check before each refresh.
            if wakeups > 0, clock.monotonic - lastStoreSync >= RefreshPolicy.storeSyncInterval {
                lastStoreSync = clock.monotonic
                await syncWithStore()
            }
            processDue()
            let now = clock.now
            var wait = RefreshPolicy.maxSleep
            if let next = nextDeadline() {
                wait = min(wait, max(0, next.timeIntervalSince(now)))
            }
            await sleep(seconds: wait, until: now.addingTimeInterval(wait))
            wakeups += 1
        }
    }

    /// Adopts what other processes wrote to the store since we last looked: refreshed tokens, imports, logouts.
    /// The loop calls it on every wake-up.
    public func syncWithStore() async {
        let stored: [StoredSession]
        do {
            stored = try await store.sessions()
        } catch {
            logger.warning("Could not read the token store", metadata: ["error": "\(error)"])
            return
        }
        let byName = Dictionary(stored.map { ($0.server, $0) }, uniquingKeysWith: { first, _ in first })
        let now = clock.now
        for name in order {
            guard let record = servers[name], record.inFlight == nil, !record.waitingForSlot,
                record.state != .signingIn, !record.sessionUnsaved
            else { continue }
            switch (record.session, byName[name]) {
            case (let mine?, let theirs?) where mine.accessToken == theirs.accessToken && mine.refreshToken == theirs.refreshToken:
                continue
            case (_, let theirs?):
                takeOver(theirs, now: now)
                logger.info("OAuth tokens adopted from the store", metadata: ["server": "\(name)"])
            case (.some, nil):
                forgetRemovedSession(name, now: now)
            case (nil, nil):
                continue
            }
        }
    }

    /// Ends every status subscription; in-flight refreshes finish on their own.
    public func shutdown() {
        sleepTask?.cancel()
        broadcaster.finish()
    }

    // MARK: Commands

    /// Refreshes `name` now: joins a refresh already running, or is deferred to the end of the rate-limit
    /// window (and says so).
    public func refresh(_ name: String) async throws(EngineError) -> RefreshOutcome {
        guard let record = servers[name] else { throw .unknownServer(name) }
        if let running = record.inFlight { return await running.value }
        try checkRefreshable(record)
        guard record.session?.refreshToken != nil else {
            return .failed(error: "server '\(name)' has no refresh token; sign in again with: oauthtop login \(name)")
        }
        let now = clock.now
        let earliest = policy.earliestAttempt(lastAttempt: record.lastAttemptAt, now: now)
        if earliest > now {
            return deferForced(name, until: earliest, now: now)
        }
        return await launch(name, trigger: .forced, holdsSlot: false).value
    }

    /// Forces a refresh of every server that can be refreshed, in parallel within `max_parallel`.
    public func refreshAll() async -> [String: RefreshOutcome] {
        let names = order.filter { name in
            servers[name]?.canRefresh ?? false
        }
        return await withTaskGroup(of: (String, RefreshOutcome?).self) { group in
            for name in names {
                group.addTask { (name, try? await self.refresh(name)) }
            }
            var outcomes: [String: RefreshOutcome] = [:]
            for await (name, outcome) in group {
                outcomes[name] = outcome
            }
            return outcomes
        }
    }

    /// Takes over tokens from outside the engine (an import, a sign-in, another process) and schedules them.
    public func adopt(_ session: StoredSession) throws(EngineError) {
        guard servers[session.server] != nil else { throw .unknownServer(session.server) }
        takeOver(session, now: clock.now)
        logger.info("OAuth tokens adopted", metadata: ["server": "\(session.server)"])
    }

    /// Revokes the server's tokens at the provider when it advertises revocation (RFC 7009), forgets them
    /// locally and stops the schedule. A failed revocation does not stop the logout; the outcome says what happened.
    @discardableResult
    public func logout(_ name: String) async throws -> LogoutOutcome {
        guard let record = servers[name] else { throw EngineError.unknownServer(name) }
        if record.state == .signingIn { throw EngineError.signInRunning(name) }
        if let running = record.inFlight { _ = await running.value }
        let session = servers[name]?.session
        if var stopping = servers[name] {
            // No refresh may start while the revocation is on its way.
            stopping.state = .loggedOut
            stopping.deadline = nil
            stopping.generation &+= 1
            stopping.probeDeadline = nil
            stopping.probeGeneration &+= 1
            servers[name] = stopping
        }
        var revocation: RevocationOutcome?
        if let session, let signInService {
            let outcome = await signInService.revoke(session)
            revocation = outcome
            switch outcome {
            case .revoked:
                logger.info("OAuth token revoked at the provider", metadata: ["server": "\(name)"])
            case .notAdvertised:
                logger.info("OAuth provider does not advertise token revocation", metadata: ["server": "\(name)"])
            case .failed(let error):
                logger.warning(
                    "OAuth token revocation failed", metadata: ["server": "\(name)", "error": "\(error)"])
            }
        }
        try await store.deleteSession(for: name)
        guard var current = servers[name] else { return LogoutOutcome(hadSession: session != nil, revocation: revocation) }
        current.session = nil
        current.state = .loggedOut
        current.retryCount = 0
        current.lastError = nil
        current.lastResult = nil
        current.refreshTokenDead = false
        current.rejectedByServer = nil
        current.probe = nil
        current.probedAt = nil
        current.probeDeadline = nil
        current.probeGeneration &+= 1
        current.forcePending = false
        current.waitingForSlot = false
        current.deadline = nil
        current.generation &+= 1
        servers[name] = current
        logger.info("OAuth session logged out", metadata: ["server": "\(name)"])
        await persist(name)
        publish(name, now: clock.now)
        return LogoutOutcome(hadSession: session != nil, revocation: revocation)
    }

    /// Returns once no refresh is running or waiting for a slot (tests and one-shot commands).
    public func waitForIdle() async {
        while true {
            let running = servers.values.compactMap(\.inFlight)
            if running.isEmpty { return }
            for task in running { _ = await task.value }
        }
    }

    // MARK: Helpers shared by the extensions

    func checkRefreshable(_ record: ServerRecord) throws(EngineError) {
        let name = record.definition.name
        if !record.definition.enabled { throw .disabled(name) }
        if let problem = record.definition.configurationError { throw .misconfigured(name, problem) }
        if record.state == .loggedOut { throw .loggedOut(name) }
        if record.state == .signingIn { throw .signInRunning(name) }
        if record.session == nil { throw .signInRequired(name) }
    }

    func makeStatus(_ record: ServerRecord, now: Date) -> ServerStatus {
        let facts = record.facts()
        return ServerStatus(
            name: record.definition.name,
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
        do {
            try await store.saveRefreshState(record.storedState(), for: name)
        } catch {
            logger.error(
                "Could not save refresh state", metadata: ["server": "\(name)", "error": "\(error)"])
        }
    }

    /// Saves the refresh bookkeeping of `names` in one store call (one transaction in SQLite); a failure is
    /// logged, not fatal.
    func persist(_ names: [String]) async {
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
