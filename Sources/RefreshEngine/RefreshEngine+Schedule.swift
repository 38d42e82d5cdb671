import Foundation
import Health
import Logging
import TokenStore

/// Why an attempt runs; logged with it.
enum Trigger: String, Sendable {
    case startup, timer, retry, wake, forced
    /// The MCP server answered 401 to a token that was not just refreshed.
    case probe
}

extension RefreshEngine {
    /// Decides the state and the next deadline of a server from its session (callers skip servers mid-refresh).
    func evaluate(_ name: String, now: Date, trigger: Trigger = .timer) {
        guard var record = servers[name] else { return }
        guard !record.isInactive, let session = record.session else {
            if !record.isInactive { record.state = .idle }
            servers[name] = record
            clearDeadline(name)
            return
        }
        if session.refreshToken != nil, let dead = session.refreshTokenExpiresAt, dead <= now {
            markFailed(name, "Refresh token expired at \(TimeText.rfc3339(dead))", refreshTokenDead: true)
            return
        }
        guard let expiresAt = session.expiresAt else {
            // No expiry: nothing to schedule; the connection probe's 401 asks for a refresh.
            servers[name]?.state = .idle
            clearDeadline(name)
            return
        }
        if let issued = Optional(session.issuedAt), expiresAt < issued {
            logger.warning(
                "OAuth token expires before it was issued; refreshing at once",
                metadata: ["server": "\(name)", "expires_at": "\(TimeText.rfc3339(expiresAt))"])
        }
        guard session.refreshToken != nil else {
            if expiresAt <= now {
                markFailed(name, "Token expired and no refresh token available")
            } else {
                // Nothing to refresh with; look again when the access token expires.
                servers[name]?.state = .idle
                setDeadline(name, expiresAt, trigger: trigger)
            }
            return
        }
        let due = policy.proactiveRefreshTime(
            issuedAt: session.issuedAt, expiresAt: expiresAt, jitterSample: jitterSample()) ?? now
        servers[name]?.state = .scheduled
        setDeadline(name, due, trigger: trigger)
        logger.info(
            "OAuth token refresh scheduled",
            metadata: [
                "server": "\(name)", "next_attempt": "\(TimeText.rfc3339(max(due, now)))",
                "expires_at": "\(TimeText.rfc3339(expiresAt))",
            ])
    }

    func setDeadline(_ name: String, _ date: Date, trigger: Trigger) {
        guard var record = servers[name] else { return }
        record.deadline = date
        record.generation &+= 1
        record.trigger = trigger
        servers[name] = record
        queue.insert(.init(date: date, server: name, generation: record.generation))
        if let until = sleepUntil, date < until {
            sleepTask?.cancel()
        }
    }

    func clearDeadline(_ name: String) {
        guard servers[name]?.deadline != nil else { return }
        servers[name]?.deadline = nil
        servers[name]?.generation &+= 1
    }

    /// The earliest live deadline; stale queue entries on top are dropped on the way.
    func nextDeadline() -> Date? {
        while let entry = queue.next {
            if let record = servers[entry.server], isLive(entry, record) {
                return entry.date
            }
            _ = queue.popFirst()
        }
        return nil
    }

    /// One pass of the scheduler: notice clock jumps, then start every refresh that is due.
    func processDue() {
        let reading = ClockReading(clock)
        let now = clock.now
        if let last = lastReading {
            let jump = reading.jump(since: last)
            if abs(jump) > RefreshPolicy.wakeJumpThreshold {
                handleClockJump(seconds: jump, now: now)
            }
        }
        lastReading = reading
        while let entry = queue.next, entry.date <= now {
            _ = queue.popFirst()
            guard let record = servers[entry.server], isLive(entry, record) else { continue }
            switch entry.kind {
            case .refresh: fire(entry.server, now: now)
            case .probe: fireProbe(entry.server, now: now)
            }
        }
    }

    /// Whether a queue entry is still the server's current deadline of its kind.
    func isLive(_ entry: DeadlineQueue.Entry, _ record: ServerRecord) -> Bool {
        switch entry.kind {
        case .refresh: record.generation == entry.generation && record.deadline != nil
        case .probe: record.probeGeneration == entry.generation && record.probeDeadline != nil
        }
    }

    /// A wake from sleep or a changed wall clock: every schedule is computed again from the session facts.
    func handleClockJump(seconds: Double, now: Date) {
        logger.notice(
            "Clock jump detected; re-evaluating every schedule",
            metadata: ["jump_seconds": "\(Int(seconds.rounded()))"])
        for name in order {
            guard let record = servers[name], record.inFlight == nil, !record.waitingForSlot else { continue }
            if let last = record.lastAttemptAt, last > now {
                servers[name]?.lastAttemptAt = nil
            }
            switch record.state {
            case .scheduled, .idle:
                if record.forcePending {
                    setDeadline(name, min(record.deadline ?? now, now), trigger: .forced)
                } else {
                    evaluate(name, now: now, trigger: .wake)
                }
            case .retrying:
                let backoff = policy.backoff(afterFailure: record.retryCount)
                if let deadline = record.deadline, deadline.timeIntervalSince(now) > backoff {
                    setDeadline(name, now.addingTimeInterval(backoff), trigger: .retry)
                }
            default:
                break
            }
            publish(name, now: now)
        }
    }

    /// A due deadline: refresh if the rate limit allows and a slot is free, else wait in line.
    func fire(_ name: String, now: Date) {
        guard let record = servers[name], record.inFlight == nil, !record.waitingForSlot,
            !record.isInactive, let session = record.session
        else { return }
        if record.state == .failed && !record.forcePending { return }
        if session.refreshToken == nil || record.state == .idle && !record.forcePending {
            evaluate(name, now: now)
            publish(name, now: now)
            return
        }
        let earliest = policy.earliestAttempt(lastAttempt: record.lastAttemptAt, now: now)
        if earliest > now {
            logger.info(
                "OAuth token refresh rate limited",
                metadata: ["server": "\(name)", "next_attempt": "\(TimeText.rfc3339(earliest))"])
            setDeadline(name, earliest, trigger: record.trigger)
            publish(name, now: now)
            return
        }
        if freeSlots > 0 {
            freeSlots -= 1
            _ = launch(name, trigger: record.trigger, holdsSlot: true)
        } else {
            servers[name]?.waitingForSlot = true
            readyQueue.append(name)
        }
    }

    /// A forced refresh inside the rate-limit window: runs by itself at the window's end.
    func deferForced(_ name: String, until: Date, now: Date) -> RefreshOutcome {
        guard let record = servers[name] else { return .failed(error: "unknown server") }
        servers[name]?.forcePending = true
        if record.state == .failed || record.state == .idle {
            servers[name]?.state = .scheduled
        }
        if !record.waitingForSlot, record.deadline.map({ $0 > until }) ?? true {
            setDeadline(name, until, trigger: .forced)
        }
        logger.info(
            "OAuth token refresh rate limited",
            metadata: ["server": "\(name)", "next_attempt": "\(TimeText.rfc3339(until))"])
        publish(name, now: now)
        let window = Int(policy.minAttemptInterval.rounded(.up))
        return .deferred(
            until: until,
            reason: "rate limited: at most one attempt every \(window)s; refreshing at \(TimeText.rfc3339(until))")
    }

    /// Sleeps until `until` unless an earlier deadline arrives (which cancels the sleep) or the task is cancelled.
    func sleep(seconds: Double, until: Date) async {
        let clock = self.clock
        let task = Task { _ = try? await clock.sleep(seconds: seconds) }
        sleepTask = task
        sleepUntil = until
        await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        sleepTask = nil
        sleepUntil = nil
    }

    /// Tokens that came from elsewhere replace ours; the bookkeeping starts afresh.
    func takeOver(_ session: StoredSession, now: Date) {
        let name = session.server
        guard var record = servers[name] else { return }
        record.session = session
        record.sessionUnsaved = false
        if record.state == .loggedOut || record.state == .failed || record.state == .retrying {
            record.state = .idle
        }
        record.retryCount = 0
        record.lastError = nil
        record.refreshTokenDead = false
        record.rejectedByServer = nil
        record.forcePending = false
        if record.lastResult != .success { record.lastResult = nil }
        servers[name] = record
        evaluate(name, now: now)
        scheduleProbe(name, at: now)
        publish(name, now: now)
    }

    func markFailed(
        _ name: String, _ message: String, result: RefreshResult? = nil, refreshTokenDead: Bool = false,
        announce: Bool = true
    ) {
        guard var record = servers[name] else { return }
        record.state = .failed
        record.lastError = message
        if let result { record.lastResult = result }
        record.refreshTokenDead = refreshTokenDead
        record.forcePending = false
        record.deadline = nil
        record.generation &+= 1
        servers[name] = record
        guard announce else { return }
        logger.error(
            "OAuth token refresh impossible; sign-in required",
            metadata: ["server": "\(name)", "error": "\(message)", "retry_count": "\(record.retryCount)"])
    }

    /// Another process removed the session from the store (a logout there): we are logged out too.
    func forgetRemovedSession(_ name: String, now: Date) {
        guard var record = servers[name] else { return }
        record.session = nil
        record.state = .loggedOut
        record.deadline = nil
        record.generation &+= 1
        servers[name] = record
        logger.info("OAuth session was removed by another process", metadata: ["server": "\(name)"])
        publish(name, now: now)
    }
}
