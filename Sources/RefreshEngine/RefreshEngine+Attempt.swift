import Foundation
import Health
import Logging
import OAuth
import TokenStore

extension RefreshEngine {
    /// Starts the single refresh of `name`; every caller until it ends shares this task.
    func launch(_ name: String, trigger: Trigger, holdsSlot: Bool) -> Task<RefreshOutcome, Never> {
        if let running = servers[name]?.inFlight {
            if holdsSlot { releaseSlot() }
            return running
        }
        let task = Task { await self.attempt(name, trigger: trigger, holdsSlot: holdsSlot) }
        if var record = servers[name] {
            record.inFlight = task
            record.waitingForSlot = false
            record.forcePending = false
            record.state = .refreshing
            record.deadline = nil
            record.generation &+= 1
            servers[name] = record
        }
        publish(name, now: clock.now)
        return task
    }

    private func attempt(_ name: String, trigger: Trigger, holdsSlot: Bool) async -> RefreshOutcome {
        if !holdsSlot { await acquireSlot() }
        let outcome = await runAttempt(name, trigger: trigger)
        servers[name]?.inFlight = nil
        // Probe the new token only now: a probe that came due while the attempt was still finishing (saving its
        // state) was skipped because a refresh was in flight.
        switch outcome {
        case .refreshed, .adopted: scheduleProbe(name, at: clock.now)
        default: break
        }
        releaseSlot()
        return outcome
    }

    private func acquireSlot() async {
        if freeSlots > 0 {
            freeSlots -= 1
            return
        }
        await withCheckedContinuation { slotWaiters.append($0) }
    }

    /// Hands the slot to a waiting forced refresh, else to the oldest due server, else frees it.
    func releaseSlot() {
        if !slotWaiters.isEmpty {
            slotWaiters.removeFirst().resume()
            return
        }
        while readyHead < readyQueue.count {
            let name = readyQueue[readyHead]
            readyHead += 1
            if readyHead > 1024, readyHead * 2 > readyQueue.count {
                readyQueue.removeFirst(readyHead)
                readyHead = 0
            }
            if let record = servers[name], record.waitingForSlot, record.inFlight == nil {
                _ = launch(name, trigger: record.trigger, holdsSlot: true)
                return
            }
        }
        readyQueue.removeAll(keepingCapacity: true)
        readyHead = 0
        freeSlots += 1
    }

    /// One attempt: preconditions, the cross-process lease, the request, and what its answer means.
    private func runAttempt(_ name: String, trigger: Trigger) async -> RefreshOutcome {
        let now = clock.now
        guard let record = servers[name], let session = record.session else {
            return .failed(error: "server '\(name)' has no session")
        }
        guard let refreshToken = session.refreshToken else {
            servers[name]?.state = .idle
            evaluate(name, now: now)
            publish(name, now: now)
            return .failed(error: "server '\(name)' has no refresh token; sign in again with: oauthtop login \(name)")
        }
        if let dead = session.refreshTokenExpiresAt, dead <= now {
            return await fail(name, "Refresh token expired at \(TimeText.rfc3339(dead))", refreshTokenDead: true)
        }
        guard let client = record.client, let endpoint = URL(string: client.tokenEndpoint),
            endpoint.scheme != nil, endpoint.host != nil
        else {
            return await fail(
                name,
                "No token endpoint is known for this server; sign in again, or set oauth.token_endpoint and "
                    + "oauth.client_id in the config")
        }

        let lease: LeaseOutcome
        do {
            lease = try await store.acquireLease(
                for: name, owner: owner, until: now.addingTimeInterval(policy.requestTimeout + 5), now: now)
        } catch {
            return await retryLater(
                name, message: "token store: \(error)", classification: .init(retryable: true, result: .failedOther))
        }
        switch lease {
        case .held(let other, let until):
            let next = max(until, now.addingTimeInterval(1))
            let waiting: RefreshState = (servers[name]?.retryCount ?? 0) > 0 ? .retrying : .scheduled
            servers[name]?.state = waiting
            setDeadline(name, next, trigger: trigger)
            logger.info(
                "OAuth token refresh deferred; another process is refreshing",
                metadata: ["server": "\(name)", "lease_owner": "\(other)", "next_attempt": "\(TimeText.rfc3339(next))"])
            publish(name, now: now)
            return .deferred(until: next, reason: "another oauthtop process (\(other)) is refreshing this server")
        case .acquired(let stored):
            guard let stored else {
                await releaseLease(name)
                return await forgetDeletedSession(name)
            }
            if stored.refreshToken != refreshToken || stored.accessToken != session.accessToken {
                await releaseLease(name)
                takeOver(stored, now: now)
                logger.info("OAuth tokens adopted from another process", metadata: ["server": "\(name)"])
                await persist(name)
                return .adopted(expiresAt: stored.expiresAt)
            }
        }

        servers[name]?.lastAttemptAt = now
        logger.info(
            "OAuth token refresh attempt",
            metadata: [
                "server": "\(name)", "trigger": "\(trigger.rawValue)", "retry_count": "\(record.retryCount)",
            ])
        let request = RefreshRequest(
            tokenEndpoint: endpoint, refreshToken: refreshToken, clientID: client.clientID,
            clientSecret: client.clientSecret, authMethod: ClientAuthMethod(rawValue: client.authMethod) ?? .none,
            resource: client.resource)
        let startedAt = clock.monotonic
        let result: Result<TokenResponse, any Error>
        do {
            result = .success(try await refresher.refresh(request))
        } catch {
            result = .failure(error)
        }
        let seconds = max(0, clock.monotonic - startedAt)

        // The actor ran other work during the request: a logout may have happened meanwhile.
        guard servers[name]?.session?.refreshToken == refreshToken, servers[name]?.state == .refreshing else {
            await releaseLease(name)
            return .failed(error: "server '\(name)' changed while refreshing (logged out or signed in again)")
        }
        switch result {
        case .success(let response):
            return await succeed(name, session: session, response: response, sentAt: now, seconds: seconds)
        case .failure(let error):
            return await failed(name, error: error, usedRefreshToken: refreshToken, session: session, seconds: seconds)
        }
    }

    private func succeed(
        _ name: String, session: StoredSession, response: TokenResponse, sentAt: Date, seconds: Double
    ) async -> RefreshOutcome {
        let lifetime = response.expiresIn.flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
        if response.expiresIn != nil && lifetime == nil {
            logger.warning(
                "Token response has a non-positive expires_in; treating the token as having no known expiry",
                metadata: ["server": "\(name)"])
        }
        var renewed = session
        renewed.accessToken = response.accessToken
        renewed.tokenType = response.tokenType
        if let rotated = response.refreshToken {
            renewed.refreshToken = rotated
            renewed.refreshTokenExpiresAt = nil
        }
        if let refreshLifetime = response.refreshTokenExpiresIn, refreshLifetime > 0 {
            renewed.refreshTokenExpiresAt = sentAt.addingTimeInterval(refreshLifetime)
        }
        renewed.scope = response.scope ?? session.scope
        renewed.issuedAt = sentAt
        renewed.expiresAt = lifetime.map { sentAt.addingTimeInterval($0) }
        metrics.record(server: name, result: .success, seconds: seconds)

        // New tokens are durable before anybody uses them: a crash now loses nothing.
        do {
            try await store.commit(renewed, releasingLeaseOf: owner)
        } catch {
            servers[name]?.session = renewed
            servers[name]?.sessionUnsaved = true
            return await retryLater(
                name, message: "could not save the new tokens: \(error)",
                classification: .init(retryable: true, result: .failedOther))
        }
        let now = clock.now
        if var record = servers[name] {
            record.session = renewed
            record.sessionUnsaved = false
            record.retryCount = 0
            record.lastError = nil
            record.lastResult = .success
            record.refreshTokenDead = false
            record.rejectedByServer = nil
            record.lastRefreshAt = now
            record.lastRefreshDuration = seconds
            record.state = .idle
            servers[name] = record
        }
        logger.info(
            "OAuth token refresh succeeded",
            metadata: [
                "server": "\(name)", "duration_ms": "\(Int((seconds * 1000).rounded()))", "result": "success",
                "expires_at": "\(renewed.expiresAt.map(TimeText.rfc3339) ?? "none")",
                "refresh_token_rotated": "\(response.refreshToken != nil)",
            ])
        evaluate(name, now: now)
        await persist(name)
        publish(name, now: now)
        return .refreshed(expiresAt: renewed.expiresAt)
    }

    private func failed(
        _ name: String, error: any Error, usedRefreshToken: String, session: StoredSession, seconds: Double
    ) async -> RefreshOutcome {
        let now = clock.now
        let endpointError = error as? TokenEndpointError
        let classification =
            endpointError.map { RefreshPolicy.classify($0, now: now) }
            ?? FailureClassification(retryable: true, result: .failedOther)
        let message = Self.scrub(
            endpointError?.description ?? String(describing: error),
            secrets: [usedRefreshToken, session.accessToken, session.client?.clientSecret].compactMap { $0 })
        metrics.record(server: name, result: classification.result, seconds: seconds)

        if !classification.retryable {
            // Before giving up on invalid_grant: a sibling process may have rotated the token under us.
            if classification.result == .failedInvalidGrant,
                let stored = try? await store.session(for: name), stored.refreshToken != usedRefreshToken
            {
                await releaseLease(name)
                takeOver(stored, now: clock.now)
                logger.info(
                    "OAuth refresh token was rotated by another process; adopted its tokens",
                    metadata: ["server": "\(name)"])
                await persist(name)
                return .adopted(expiresAt: stored.expiresAt)
            }
            await releaseLease(name)
            logger.error(
                "OAuth token refresh failed",
                metadata: [
                    "server": "\(name)", "duration_ms": "\(Int((seconds * 1000).rounded()))",
                    "result": "\(classification.result.rawValue)", "error": "\(message)",
                    "retry_count": "\(servers[name]?.retryCount ?? 0)",
                ])
            return await fail(name, message, result: classification.result, announce: false)
        }
        await releaseLease(name)
        return await retryLater(name, message: message, classification: classification, seconds: seconds)
    }

    /// A failure that may pass: count it, back off, and try again. Never stops on a count.
    private func retryLater(
        _ name: String, message: String, classification: FailureClassification, seconds: Double? = nil
    ) async -> RefreshOutcome {
        let now = clock.now
        guard var record = servers[name] else { return .failed(error: message) }
        record.retryCount = record.retryCount == Int.max ? Int.max : record.retryCount + 1
        record.lastError = message
        record.lastResult = classification.result
        record.state = .retrying
        servers[name] = record
        let delay = policy.retryDelay(afterFailure: record.retryCount, retryAfter: classification.retryAfter)
        let next = now.addingTimeInterval(delay)
        setDeadline(name, next, trigger: .retry)
        var metadata: Logger.Metadata = [
            "server": "\(name)", "result": "\(classification.result.rawValue)", "error": "\(message)",
            "retry_count": "\(record.retryCount)",
        ]
        if let seconds { metadata["duration_ms"] = "\(Int((seconds * 1000).rounded()))" }
        logger.warning("OAuth token refresh failed", metadata: metadata)
        logger.info(
            "OAuth token refresh retry scheduled",
            metadata: [
                "server": "\(name)", "retry_count": "\(record.retryCount)",
                "next_attempt": "\(TimeText.rfc3339(next))", "delay_s": "\(delay)",
            ])
        await persist(name)
        publish(name, now: now)
        return .retrying(error: message, nextAttempt: next)
    }

    private func fail(
        _ name: String, _ message: String, result: RefreshResult? = nil, refreshTokenDead: Bool = false,
        announce: Bool = true
    ) async -> RefreshOutcome {
        markFailed(name, message, result: result, refreshTokenDead: refreshTokenDead, announce: announce)
        await persist(name)
        publish(name, now: clock.now)
        return .failed(error: message)
    }

    /// The store has no session any more: another process logged out.
    private func forgetDeletedSession(_ name: String) async -> RefreshOutcome {
        forgetRemovedSession(name, now: clock.now)
        await persist(name)
        return .failed(error: "server '\(name)' was logged out by another process")
    }

    private func releaseLease(_ name: String) async {
        do {
            try await store.releaseLease(for: name, owner: owner)
        } catch {
            logger.warning("Could not release refresh lease", metadata: ["server": "\(name)", "error": "\(error)"])
        }
    }

    /// Removes secrets a provider might echo back in an error message.
    static func scrub(_ message: String, secrets: [String]) -> String {
        secrets.filter { $0.count >= 4 }.reduce(message) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
    }
}
