import Foundation
import Health
import Logging
import OAuth
import TokenStore

extension RefreshEngine {
    /// Probes `name` now and waits for the answer (`oauthtop login` confirms the new token this way). `nil` when
    /// there is nothing to probe: no prober, no session, no URL, or a probe already running.
    public func probe(_ name: String) async throws(EngineError) -> ProbeResult? {
        guard let record = servers[name] else { throw .unknownServer(name) }
        guard let prober, let session = record.session, !record.probing,
            let url = record.definition.url.flatMap(URL.init(string:))
        else { return nil }
        servers[name]?.probing = true
        probesRunning += 1
        let started = clock.monotonic
        let result = await prober.probe(url: url, accessToken: session.accessToken, tokenType: session.tokenType)
        probeFinished(name, accessToken: session.accessToken, result: result, seconds: clock.monotonic - started)
        await persist(name)
        return result
    }

    /// Plans the next probe of `name` at `date` (one per server; a later call replaces it).
    func scheduleProbe(_ name: String, at date: Date) {
        guard prober != nil, var record = servers[name] else { return }
        record.probeDeadline = date
        record.probeGeneration &+= 1
        servers[name] = record
        queue.insert(.init(date: date, server: name, generation: record.probeGeneration, kind: .probe))
        if let until = sleepUntil, date < until {
            sleepTask?.cancel()
        }
    }

    /// A due probe: send it unless the server has nothing to probe right now.
    func fireProbe(_ name: String, now: Date) {
        guard let prober, var record = servers[name] else { return }
        record.probeDeadline = nil
        servers[name] = record
        guard let session = record.session, !record.isInactive, record.state != .failed,
            let url = record.definition.url.flatMap(URL.init(string:))
        else { return }
        // A refresh on its way schedules a probe of the new token when it ends.
        if record.inFlight != nil || record.waitingForSlot || record.probing { return }
        if let expiresAt = session.expiresAt, expiresAt <= now {
            // The refresh rules deal with an expired token; look again later.
            scheduleProbe(name, at: now.addingTimeInterval(policy.probeInterval))
            return
        }
        if probesRunning >= max(1, policy.maxParallel) {
            scheduleProbe(name, at: now.addingTimeInterval(1))
            return
        }
        probesRunning += 1
        servers[name]?.probing = true
        let clock = self.clock
        let started = clock.monotonic
        Task {
            let result = await prober.probe(url: url, accessToken: session.accessToken, tokenType: session.tokenType)
            // This task runs on the engine's actor: the answer is applied between other engine work.
            self.probeFinished(
                name, accessToken: session.accessToken, result: result, seconds: clock.monotonic - started)
            await self.persist(name)
        }
    }

    /// Applies a probe's answer (DESIGN.md section 3, rules 12 to 14): 2xx → "Connected"; 401 on a token issued
    /// within the last minute → "Token rejected by server"; 401 on an older token → a reactive refresh (rate limit
    /// applies); no answer → the unreachable rule. The next probe is planned `probe_interval` later.
    func probeFinished(_ name: String, accessToken: String, result: ProbeResult, seconds: Double) {
        probesRunning = max(0, probesRunning - 1)
        servers[name]?.probing = false
        let now = clock.now
        // The token changed meanwhile (refresh, sign-in, logout): whoever changed it planned the next probe.
        guard var record = servers[name], let session = record.session, session.accessToken == accessToken,
            !record.isInactive
        else { return }
        record.probedAt = now
        let duration = "\(Int((max(0, seconds) * 1000).rounded()))"
        var next: Date? = now.addingTimeInterval(policy.probeInterval)
        switch result {
        case .connected:
            record.probe = .connected
            record.rejectedByServer = nil
            logger.info(
                "OAuth client connection successful", metadata: ["server": "\(name)", "duration_ms": "\(duration)"])
        case .unreachable(let summary, let detail):
            record.probe = .unreachable(summary: summary, detail: detail)
            logger.warning(
                "OAuth client connection failed",
                metadata: ["server": "\(name)", "duration_ms": "\(duration)", "error": "\(detail)"])
        case .unauthorized(let error):
            let fresh = now.timeIntervalSince(session.issuedAt) < policy.rejectionWindow
            let canRefresh =
                session.refreshToken != nil && record.client != nil
                && (record.state == .idle || record.state == .scheduled)
            if fresh || !canRefresh {
                record.rejectedByServer = error
                record.probe = nil
                logger.error(
                    "OAuth token rejected by server",
                    metadata: [
                        "server": "\(name)", "duration_ms": "\(duration)", "error": "\(error)",
                        "token_age_s": "\(Int(now.timeIntervalSince(session.issuedAt).rounded()))",
                    ])
            } else {
                // Not a fresh token: the server may simply have dropped it. Refresh now (the rate limit decides
                // when), and probe the new token when the refresh succeeds.
                logger.warning(
                    "OAuth token refused by server; refreshing",
                    metadata: ["server": "\(name)", "duration_ms": "\(duration)", "error": "\(error)"])
                record.forcePending = true
                record.state = .scheduled
                servers[name] = record
                setDeadline(name, policy.earliestAttempt(lastAttempt: record.lastAttemptAt, now: now), trigger: .probe)
                record = servers[name] ?? record
                next = nil
            }
        }
        servers[name] = record
        if let next { scheduleProbe(name, at: next) }
        publish(name, now: now)
    }
}
