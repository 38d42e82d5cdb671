import Foundation
import Health
import TokenStore

/// Transitions of the schedule: when the next refresh is due, what a due deadline does, the rate limit, a clock
/// jump, and picking up where the previous run stopped.
extension ServerRecord {
    /// The only place that changes or cancels a deadline (`Schedule.set` bumps its generation, so older queue
    /// entries are skipped); returns the queue entry for a new deadline.
    mutating func setDeadline(_ kind: DeadlineQueue.Entry.Kind, _ date: Date?, trigger: Trigger? = nil) -> Effects {
        let generation: UInt64
        switch kind {
        case .refresh:
            generation = refreshSchedule.set(date)
            if let trigger { self.trigger = trigger }
        case .probe:
            generation = probeSchedule.set(date)
        }
        guard let date else { return .none }
        return Effects(enqueue: [DeadlineQueue.Entry(date: date, server: name, generation: generation, kind: kind)])
    }

    /// Decides the state and the next refresh deadline from the session alone (DESIGN.md section 2).
    mutating func plan(_ context: TransitionContext, trigger: Trigger = .timer) -> Effects {
        let now = context.now
        guard !isInactive, let session else {
            if !isInactive { state = .idle }
            return setDeadline(.refresh, nil)
        }
        if session.refreshToken != nil, let dead = session.refreshTokenExpiresAt, dead <= now {
            return failPermanently("Refresh token expired at \(TimeText.rfc3339(dead))", refreshTokenDead: true)
        }
        guard let expiresAt = session.expiresAt else {
            // No expiry: nothing to schedule; the connection probe's 401 asks for a refresh.
            state = .idle
            return setDeadline(.refresh, nil)
        }
        var effects = Effects.none
        if expiresAt < session.issuedAt {
            effects = .log(
                .warning, "OAuth token expires before it was issued; refreshing at once",
                ["server": name, "expires_at": TimeText.rfc3339(expiresAt)])
        }
        guard session.refreshToken != nil else {
            if expiresAt <= now {
                return effects.then(failPermanently("Token expired and no refresh token available"))
            }
            // Nothing to refresh with; look again when the access token expires.
            state = .idle
            return effects.then(setDeadline(.refresh, expiresAt, trigger: trigger))
        }
        let due =
            context.policy.proactiveRefreshTime(
                issuedAt: session.issuedAt, expiresAt: expiresAt, jitterSample: context.jitter()) ?? now
        state = .scheduled
        return effects.then(setDeadline(.refresh, due, trigger: trigger)).then(
            .log(
                .info, "OAuth token refresh scheduled",
                [
                    "server": name, "next_attempt": TimeText.rfc3339(max(due, now)),
                    "expires_at": TimeText.rfc3339(expiresAt),
                ]))
    }

    /// Picks up the stored session and what a previous run saved, then plans: a `retrying` server resumes its
    /// backoff (at once when its token has expired meanwhile), `failed` and `logged_out` stay, everything else is
    /// planned afresh.
    mutating func resume(
        _ stored: StoredSession?, saved: StoredRefreshState?, _ context: TransitionContext
    ) -> Effects {
        session = usable(stored)
        let savedNextAttempt = saved.flatMap { restore($0) }
        var effects = Effects.none.savedAndPublished
        if session != nil, state != .failed, !isInactive {
            effects = effects.then(planProbe(at: context.now, context))
        }
        switch state {
        case .retrying:
            let now = context.now
            let expired = session?.expiresAt.map { $0 <= now } ?? false
            let resumeAt = expired ? now : max(now, savedNextAttempt ?? now)
            return effects.then(setDeadline(.refresh, resumeAt, trigger: .startup))
        case .failed:
            return effects
        default:
            return effects.then(plan(context, trigger: .startup))
        }
    }

    /// Takes over what a previous run saved: the rate-limit clock always, and the states that must survive a
    /// restart (`failed`, `retrying`, `logged_out`). Returns a saved retry's next attempt.
    private mutating func restore(_ saved: StoredRefreshState) -> Date? {
        lastAttemptAt = saved.lastAttemptAt
        lastRefreshAt = saved.lastRefreshAt
        lastRefreshDuration = saved.lastRefreshDuration
        if session != nil {
            probe = ProbeOutcome(stored: saved.probe, summary: saved.probeSummary, detail: saved.probeDetail)
            probedAt = saved.probedAt
            rejectedByServer = saved.rejectedByServer
        }
        switch RefreshState(rawValue: saved.state) {
        case .loggedOut where session == nil:
            state = .loggedOut
        case .failed where session != nil, .retrying where session != nil:
            state = RefreshState(rawValue: saved.state)!
            retryCount = max(0, saved.retryCount)
            lastError = saved.lastError
            lastResult = saved.lastResult.flatMap(RefreshResult.init(rawValue:))
            return state == .retrying ? saved.nextAttempt : nil
        default:
            break
        }
        return nil
    }

    /// The record as the store has it, for commands that read without running the engine (`list`): a saved
    /// `scheduled` or `refreshing` shows as scheduled at its saved next attempt.
    static func asStored(
        _ definition: ServerDefinition, session: StoredSession?, saved: StoredRefreshState?
    ) -> ServerRecord {
        var record = ServerRecord(definition: definition)
        record.session = record.usable(session)
        if let saved {
            if let retryAt = record.restore(saved) { _ = record.setDeadline(.refresh, retryAt) }
            if session != nil, record.state == .idle,
                let state = RefreshState(rawValue: saved.state), state == .scheduled || state == .refreshing
            {
                record.state = .scheduled
                _ = record.setDeadline(.refresh, saved.nextAttempt)
            }
        }
        if session == nil, record.state != .loggedOut { record.state = .idle }
        return record
    }

    /// The refresh deadline came up: plan again, wait for the rate limit, or start (`startRefresh`).
    mutating func deadlineReached(_ context: TransitionContext) -> Effects {
        guard !isRefreshing, !isInactive, let session else { return .none }
        if state == .failed && !forcePending { return .none }
        if session.refreshToken == nil || state == .idle && !forcePending {
            return plan(context).published
        }
        let now = context.now
        let earliest = context.policy.earliestAttempt(lastAttempt: lastAttemptAt, now: now)
        if earliest > now {
            return setDeadline(.refresh, earliest, trigger: trigger).then(rateLimited(until: earliest)).published
        }
        return Effects(startRefresh: trigger)
    }

    /// No refresh slot is free: the server waits in line for one.
    mutating func waitForSlot() -> Effects {
        waitingForSlot = true
        return .none
    }

    /// A forced refresh inside the rate-limit window: it runs by itself at the window's end, even in `failed`.
    mutating func deferForcedRefresh(until: Date, _ context: TransitionContext) -> Effects {
        forcePending = true
        if state == .failed || state == .idle { state = .scheduled }
        var effects = Effects.none
        if !waitingForSlot, deadline.map({ $0 > until }) ?? true {
            effects = setDeadline(.refresh, until, trigger: .forced)
        }
        return effects.then(rateLimited(until: until)).published
    }

    private func rateLimited(until: Date) -> Effects {
        .log(.info, "OAuth token refresh rate limited", ["server": name, "next_attempt": TimeText.rfc3339(until)])
    }

    /// A wake from sleep or a changed wall clock: the schedule is computed again from the session facts, and a
    /// retry waits no longer than its backoff from now.
    mutating func clockJumped(_ context: TransitionContext) -> Effects {
        guard !isRefreshing else { return .none }
        let now = context.now
        if let last = lastAttemptAt, last > now { lastAttemptAt = nil }
        switch state {
        case .scheduled, .idle:
            if forcePending {
                return setDeadline(.refresh, min(deadline ?? now, now), trigger: .forced).published
            }
            return plan(context, trigger: .wake).published
        case .retrying:
            let backoff = context.policy.backoff(afterFailure: retryCount)
            if let deadline, deadline.timeIntervalSince(now) > backoff {
                return setDeadline(.refresh, now.addingTimeInterval(backoff), trigger: .retry).published
            }
            return Effects.none.published
        default:
            return Effects.none.published
        }
    }
}
