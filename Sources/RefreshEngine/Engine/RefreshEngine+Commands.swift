import Foundation
import Health
import Logging
import TokenStore

/// What users and other programs ask of the engine: refresh now, take these tokens, log out.
extension RefreshEngine {
    /// Refreshes `name` now: joins a refresh already running, or is deferred to the end of the rate-limit
    /// window (and says so).
    public func refresh(_ name: String) async throws(EngineError) -> RefreshOutcome {
        guard let record = servers[name] else { throw .unknownServer(name) }
        if let running = record.inFlight { return await running.value }
        if let refusal = record.refusal() { throw refusal }
        guard record.session?.refreshToken != nil else {
            return .failed(error: "server '\(name)' has no refresh token; sign in again with: oauthtop login \(name)")
        }
        let now = clock.now
        let earliest = policy.earliestAttempt(lastAttempt: record.lastAttemptAt, now: now)
        guard earliest <= now else { return await deferForced(name, until: earliest) }
        return await launch(name, trigger: .forced, holdsSlot: false).value
    }

    /// A forced refresh inside the rate-limit window: it runs by itself at the window's end.
    private func deferForced(_ name: String, until: Date) async -> RefreshOutcome {
        let context = context()
        await transition(name) { $0.deferForcedRefresh(until: until, context) }
        let window = Int(policy.minAttemptInterval.rounded(.up))
        return .deferred(
            until: until,
            reason: "rate limited: at most one attempt every \(window)s; refreshing at \(TimeText.rfc3339(until))")
    }

    /// Forces a refresh of every server that can be refreshed, in parallel within `max_parallel`.
    public func refreshAll() async -> [String: RefreshOutcome] {
        let names = order.filter { servers[$0]?.canRefresh ?? false }
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

    /// Takes over tokens from outside the engine (an import, another caller) and schedules them.
    public func adopt(_ session: StoredSession) throws(EngineError) {
        let context = context()
        guard let effects = servers.update(session.server, { $0.adopt(session, from: .caller, context) }) else {
            throw .unknownServer(session.server)
        }
        carryOutLater(effects, for: session.server)
    }

    /// Revokes the server's tokens at the provider when it advertises revocation (RFC 7009), forgets them
    /// locally and stops the schedule. A failed revocation does not stop the logout; the outcome says what happened.
    @discardableResult
    public func logout(_ name: String) async throws -> LogoutOutcome {
        guard let record = servers[name] else { throw EngineError.unknownServer(name) }
        if record.isSigningIn { throw EngineError.signInRunning(name) }
        if let running = record.inFlight { _ = await running.value }
        let session = servers[name]?.session
        await transition(name) { $0.beginLogout() }
        let revocation = await revoke(session, of: name)
        try await store.deleteSession(for: name)
        await transition(name) { $0.forgetSession(.user) }
        return LogoutOutcome(hadSession: session != nil, revocation: revocation)
    }

    /// Revokes `session` through the sign-in service, logging what happened; `nil` when there is nothing to
    /// revoke or no service.
    func revoke(_ session: StoredSession?, of name: String) async -> RevocationOutcome? {
        guard let session, let signInService else { return nil }
        let outcome = await signInService.revoke(session)
        switch outcome {
        case .revoked:
            logger.info("OAuth token revoked at the provider", metadata: ["server": "\(name)"])
        case .notAdvertised:
            logger.info("OAuth provider does not advertise token revocation", metadata: ["server": "\(name)"])
        case .failed(let error):
            logger.warning("OAuth token revocation failed", metadata: ["server": "\(name)", "error": "\(error)"])
        }
        return outcome
    }

    /// Returns once no refresh is running or waiting for a slot and the bookkeeping is saved (tests and one-shot
    /// commands).
    public func waitForIdle() async {
        while true {
            let running = servers.values.compactMap(\.inFlight)
            if running.isEmpty { break }
            for task in running { _ = await task.value }
        }
        await finishSaving()
    }
}
