import Foundation
import Logging
import OAuth
import TokenStore

/// One refresh attempt, as a sequence of steps: take a slot, check what the record allows, take the
/// cross-process lease, send, and apply the answer.
extension RefreshEngine {
    /// Starts the single refresh of `name`; every caller until it ends shares this task.
    func launch(_ name: String, trigger: Trigger, holdsSlot: Bool) -> Task<RefreshOutcome, Never> {
        if let running = servers[name]?.inFlight {
            if holdsSlot { releaseSlot() }
            return running
        }
        let task = Task { await self.attempt(name, trigger: trigger, holdsSlot: holdsSlot) }
        let effects = servers.update(name) { $0.beginRefresh(task) } ?? .none
        carryOutLater(effects, for: name)
        return task
    }

    /// A due server: start it in a free slot, else put it in line for one.
    func startOrQueue(_ name: String, trigger: Trigger) {
        if freeSlots > 0 {
            freeSlots -= 1
            _ = launch(name, trigger: trigger, holdsSlot: true)
        } else {
            servers.update(name) { _ = $0.waitForSlot() }
            readyQueue.append(name)
        }
    }

    /// A slot bounds the requests on the wire (`max_parallel`): it is given back once the answer is in, not after
    /// the commit, so that attempts waiting for a store another writer holds do not keep a due refresh (perhaps
    /// the retry of one whose holder died, which has seconds) from being sent.
    private func attempt(_ name: String, trigger: Trigger, holdsSlot: Bool) async -> RefreshOutcome {
        if !holdsSlot { await acquireSlot() }
        var slotHeld = true
        let outcome = await runAttempt(name, trigger: trigger, slotHeld: &slotHeld)
        if slotHeld { releaseSlot() }
        let context = context()
        await transition(name) { $0.endAttempt(outcome, context) }
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
        startWaitingProbes()
    }

    private func runAttempt(_ name: String, trigger: Trigger, slotHeld: inout Bool) async -> RefreshOutcome {
        let startContext = context()
        var plan: AttemptPlan
        switch servers.update(name, { $0.prepareAttempt(startContext) }) {
        case .send(let ready)?:
            plan = ready
        case .stop(let effects, let outcome)?:
            await carryOut(effects, for: name)
            return outcome
        case nil:
            return .failed(error: "server '\(name)' has no session")
        }
        // New tokens the store refused last time may hold the only copy of a rotated refresh token: save them,
        // never send a refresh with (or adopt) the older tokens the store still has.
        if servers[name]?.sessionUnsaved == true { return await saveUnsavedTokens(name, plan.session) }
        switch await takeLease(name, plan: plan, trigger: trigger, now: startContext.now) {
        case .send: break
        case .sendAdopted(let adopted): plan = adopted
        case .stop(let outcome): return outcome
        }
        let sendingContext = context()
        await transition(name) { $0.sendingRequest(sendingContext, trigger: trigger) }
        var (result, seconds) = await send(plan.request)
        if case .failure(let error) = result, Self.answerMayBeLost(error),
            servers[name]?.awaitsAnswer(for: plan.refreshToken) == true
        {
            // The provider may have rotated the refresh token and lost its answer: ask again at once, still under
            // the lease, while it may honour the rotated-out token (a grace window of seconds), instead of after
            // the backoff or, in a short-lived `token` call, never.
            logger.info("OAuth token refresh answer lost; asking again at once", metadata: ["server": "\(name)"])
            metrics.record(server: name, result: .failedNetwork, seconds: seconds)
            (result, seconds) = await send(plan.request)
        }
        releaseSlot()
        slotHeld = false

        // The actor ran other work during the request: a logout may have happened meanwhile.
        guard servers[name]?.awaitsAnswer(for: plan.refreshToken) == true else {
            await releaseLease(name)
            return .failed(error: "server '\(name)' changed while refreshing (logged out or signed in again)")
        }
        switch result {
        case .success(let response):
            return await succeeded(name, plan: plan, response: response, sentAt: sendingContext.now, seconds: seconds)
        case .failure(let error):
            return await failed(name, plan: plan, error: error, seconds: seconds)
        }
    }

    /// What taking the lease allows: send the planned request, send one for tokens just adopted, or stop.
    private enum LeaseStep {
        case send
        case sendAdopted(AttemptPlan)
        case stop(RefreshOutcome)
    }

    /// Takes the cross-process lease. Stops when another process is refreshing, has refreshed, or logged out.
    private func takeLease(_ name: String, plan: AttemptPlan, trigger: Trigger, now: Date) async -> LeaseStep {
        let lease: LeaseOutcome
        do {
            lease = try await store.acquireLease(
                for: name, owner: owner, until: now.addingTimeInterval(policy.requestTimeout + 5), now: now)
        } catch {
            let context = context()
            await transition(name) {
                $0.scheduleRetry("token store: \(error)", .init(retryable: true, result: .failedOther), context)
            }
            return .stop(.retrying(error: "token store: \(error)", nextAttempt: servers[name]?.deadline ?? now))
        }
        switch lease {
        case .held(let other, let until):
            let next = min(until, now.addingTimeInterval(RefreshPolicy.leaseRecheck))
            await transition(name) { $0.leaseHeldElsewhere(by: other, until: next, trigger: trigger) }
            return .stop(
                .deferred(until: next, reason: "another oauthtop process (\(other)) is refreshing this server"))
        case .acquired(nil):
            await releaseLease(name)
            await transition(name) { $0.forgetSession(.anotherProcess) }
            return .stop(.failed(error: "server '\(name)' was logged out by another process"))
        case .acquired(let stored?)
        where stored.refreshToken != plan.refreshToken || stored.accessToken != plan.session.accessToken:
            return await adoptUnderLease(name, stored)
        case .acquired:
            return .send
        }
    }

    /// The store holds other tokens than this process: another process refreshed. When they are due as well (their
    /// holder died on the wire and left the refresh token it sent, or they have simply aged), they are refreshed now
    /// under the lease just taken: a provider may honour a rotated-out refresh token for seconds only, and letting
    /// go of the lease to come back on the next turn of the schedule has cost the whole family in the soak.
    private func adoptUnderLease(_ name: String, _ stored: StoredSession) async -> LeaseStep {
        let context = context()
        // Its bookkeeping is saved with the loop's next batch: waiting here for a store another writer holds would
        // hold up the refresh below, which may have seconds only.
        carryOutLater(servers.update(name) { $0.adopt(stored, from: .anotherProcess, context) } ?? .none, for: name)
        guard let due = servers[name]?.deadline, due <= context.now else {
            await releaseLease(name)
            return .stop(.adopted(expiresAt: stored.expiresAt))
        }
        await transition(name) { $0.keepRefreshing() }
        switch servers.update(name, { $0.prepareAttempt(context) }) {
        case .send(let plan)?:
            return .sendAdopted(plan)
        case .stop(let effects, let outcome)?:
            await releaseLease(name)
            await carryOut(effects, for: name)
            return .stop(outcome)
        case nil:
            await releaseLease(name)
            return .stop(.failed(error: "server '\(name)' has no session"))
        }
    }

    /// Saves tokens an earlier attempt could not store, under the lease (taken again, or kept: it is ours).
    private func saveUnsavedTokens(_ name: String, _ session: StoredSession) async -> RefreshOutcome {
        let now = clock.now
        do {
            let lease = try await store.acquireLease(
                for: name, owner: owner, until: now.addingTimeInterval(policy.requestTimeout + 5), now: now)
            if case .held(let other, let until) = lease {
                let next = min(until, now.addingTimeInterval(RefreshPolicy.leaseRecheck))
                await transition(name) { $0.leaseHeldElsewhere(by: other, until: next, trigger: .timer) }
                return .deferred(until: next, reason: "another oauthtop process (\(other)) holds the lease")
            }
            switch try await store.commit(session, state: nil, releasingLeaseOf: owner, replacing: nil) {
            case .sessionGone: return await loggedOutWhileRefreshing(name, lateTokens: session)
            case .stored, .superseded: break
            }
        } catch {
            let context = context()
            await transition(name) { $0.newTokensNotSaved(session, error: "\(error)", context) }
            return retryingOutcome(name)
        }
        let context = context()
        await transition(name) { $0.unsavedTokensSaved(context) }
        return .refreshed(expiresAt: session.expiresAt)
    }

    /// Another process logged out while this refresh was on its way: the logout wins. The late tokens are not
    /// stored; they are revoked at the provider when it offers revocation, so that they do not outlive the logout.
    private func loggedOutWhileRefreshing(_ name: String, lateTokens: StoredSession) async -> RefreshOutcome {
        logger.info(
            "OAuth session was logged out during its refresh; the new tokens are dropped",
            metadata: ["server": "\(name)"])
        await transition(name) { $0.forgetSession(.anotherProcess) }
        _ = await revoke(lateTokens, of: name)
        return .failed(error: "server '\(name)' was logged out while its refresh was on its way; sign in again")
    }

    /// A timeout: the request may have reached the provider, which may have rotated the refresh token, without its
    /// answer reaching us. (A refused connection never reached it.)
    static func answerMayBeLost(_ error: any Error) -> Bool {
        guard let error = error as? TokenEndpointError else { return false }
        return error.kind == .timeout
    }

    /// The request itself, timed on the monotonic clock.
    private func send(_ request: RefreshRequest) async -> (Result<TokenResponse, any Error>, seconds: Double) {
        let startedAt = clock.monotonic
        let result: Result<TokenResponse, any Error>
        do {
            result = .success(try await refresher.refresh(request))
        } catch {
            result = .failure(error)
        }
        return (result, max(0, clock.monotonic - startedAt))
    }

    /// New tokens: durable before anybody uses them (a crash after the commit loses nothing), then adopted.
    private func succeeded(
        _ name: String, plan: AttemptPlan, response: TokenResponse, sentAt: Date, seconds: Double
    ) async -> RefreshOutcome {
        if let lifetime = response.usableLifetime, lifetime <= 0 {
            logger.warning(
                """
                Token response has an expires_in of 0 or below; the token is taken as expired now and refreshed \
                again no sooner than min_attempt_interval
                """,
                metadata: ["server": "\(name)"])
        }
        let renewed = plan.session.renewed(by: response, sentAt: sentAt)
        metrics.record(server: name, result: .success, seconds: seconds)
        let rotated = response.refreshToken != nil
        // The refresh state the success leaves goes into the same transaction as the tokens: one write, not two.
        // The transition is previewed on a copy (the record takes the tokens only once they are durable), with
        // one jitter sample, so that the copy and the record plan the same next refresh.
        var context = context()
        let jitter = context.jitter()
        context.jitter = { jitter }
        var state: StoredRefreshState?
        if var after = servers[name] {
            _ = after.refreshSucceeded(renewed, rotated: rotated, seconds: seconds, context)
            state = after.storedState()
        }
        do {
            switch try await store.commit(
                renewed, state: state, releasingLeaseOf: owner, replacing: plan.refreshToken)
            {
            case .stored(leaseWasOurs: true):
                break
            case .stored(leaseWasOurs: false):
                logger.warning(
                    "OAuth refresh lease lapsed before the new tokens were saved; another process may have sent the same refresh token",
                    metadata: ["server": "\(name)"])
            case .sessionGone:
                return await loggedOutWhileRefreshing(name, lateTokens: renewed)
            case .superseded(let current):
                // A sign-in or an import replaced the session while this refresh was on its way: the newer grant
                // stays; this refresh's tokens (of the older one) are dropped.
                logger.info(
                    "OAuth refresh result dropped: the session was replaced meanwhile", metadata: ["server": "\(name)"])
                let context = self.context()
                await transition(name) { $0.adopt(current, from: .store, context) }
                return .adopted(expiresAt: current.expiresAt)
            }
        } catch {
            let context = self.context()
            await transition(name) { $0.newTokensNotSaved(renewed, error: "\(error)", context) }
            return retryingOutcome(name)
        }
        await transition(name) {
            var effects = $0.refreshSucceeded(renewed, rotated: rotated, seconds: seconds, context)
            if state != nil { effects.persist = false }
            return effects
        }
        return .refreshed(expiresAt: renewed.expiresAt)
    }

    /// A failed request: retry what may pass; before giving up on `invalid_grant`, check whether a sibling
    /// process rotated the refresh token under us.
    private func failed(_ name: String, plan: AttemptPlan, error: any Error, seconds: Double) async -> RefreshOutcome {
        let endpointError = error as? TokenEndpointError
        let classification =
            endpointError.map { RefreshPolicy.classify($0, now: clock.now) }
            ?? FailureClassification(retryable: true, result: .failedOther)
        let message = ProviderText.scrub(
            endpointError?.description ?? String(describing: error),
            knownSecrets: [plan.refreshToken, plan.session.accessToken, plan.session.client?.clientSecret])
        metrics.record(server: name, result: classification.result, seconds: seconds)

        if !classification.retryable, classification.result == .failedInvalidGrant,
            let stored = try? await store.session(for: name), stored.refreshToken != plan.refreshToken
        {
            await releaseLease(name)
            let context = context()
            await transition(name) { $0.adopt(stored, from: .rotatedElsewhere, context) }
            return .adopted(expiresAt: stored.expiresAt)
        }
        await releaseLease(name)
        if !classification.retryable {
            await transition(name) {
                $0.refusedByTokenEndpoint(message, result: classification.result, seconds: seconds)
            }
            return .failed(error: message)
        }
        let context = context()
        await transition(name) { $0.scheduleRetry(message, classification, seconds: seconds, context) }
        return retryingOutcome(name)
    }

    private func retryingOutcome(_ name: String) -> RefreshOutcome {
        let record = servers[name]
        return .retrying(error: record?.lastError ?? "", nextAttempt: record?.deadline ?? clock.now)
    }

    private func releaseLease(_ name: String) async {
        do {
            try await store.releaseLease(for: name, owner: owner)
        } catch {
            logger.warning("Could not release refresh lease", metadata: ["server": "\(name)", "error": "\(error)"])
        }
    }
}
