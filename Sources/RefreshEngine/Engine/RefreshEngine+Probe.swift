import Foundation
import OAuth
import TokenStore

/// Connection probes: an MCP `initialize` with the bearer token, after each refresh and every `probe_interval`.
extension RefreshEngine {
    /// Probes `name` now and waits for the answer (`oauthtop login` confirms the new token this way). `nil` when
    /// there is nothing to probe: no prober, no session, no URL, or a probe already running.
    public func probe(_ name: String) async throws(EngineError) -> ProbeResult? {
        guard servers[name] != nil else { throw .unknownServer(name) }
        guard let prober, let target = servers.update(name, { $0.beginProbeNow() }) ?? nil else { return nil }
        probesRunning += 1
        let started = clock.monotonic
        let result = await prober.probe(
            url: target.url, accessToken: target.session.accessToken, tokenType: target.session.tokenType
        ).scrubbed(knownSecrets: Self.secrets(of: target.session))
        await probeFinished(name, target: target, result: result, seconds: clock.monotonic - started)
        return result
    }

    /// A due probe: sent in the background unless the record says not now. With every probe slot taken (or
    /// refreshes queued, which come first) it waits in line and starts as soon as a slot frees: waiting probes used
    /// to look again every second, so 100 unreachable servers kept `serve` waking for 15 s after its start.
    func startProbe(_ name: String, _ context: TransitionContext) {
        if prober != nil, probesRunning >= max(1, policy.maxParallel) || refreshesWaiting {
            if probesWaitingSet.insert(name).inserted { probesWaiting.append(name) }
            return
        }
        guard let prober,
            let (target, effects) = servers.update(
                name,
                {
                    $0.probeDue(context, probesRunning: probesRunning, refreshesWaiting: refreshesWaiting)
                })
        else { return }
        carryOutLater(effects, for: name)
        guard let target else { return }
        probesRunning += 1
        let clock = self.clock
        let started = clock.monotonic
        Task {
            let result = await prober.probe(
                url: target.url, accessToken: target.session.accessToken, tokenType: target.session.tokenType
            ).scrubbed(knownSecrets: Self.secrets(of: target.session))
            // This task runs on the engine's actor: the answer is applied between other engine work.
            await self.probeFinished(name, target: target, result: result, seconds: clock.monotonic - started)
        }
    }

    /// Due refreshes are queued for a slot (stale entries of the queue count too, until a slot frees them).
    var refreshesWaiting: Bool { readyHead < readyQueue.count }

    private func probeFinished(_ name: String, target: ServerRecord.ProbeTarget, result: ProbeResult, seconds: Double)
        async
    {
        probesRunning = max(0, probesRunning - 1)
        let context = context()
        await transition(name) {
            $0.probeFinished(accessToken: target.session.accessToken, result, seconds: seconds, context)
        }
        startWaitingProbes()
    }

    /// What a server's answer must never show: the session's tokens and client secret (the prober scrubs the access
    /// token it sent; a prober of another kind may not).
    nonisolated static func secrets(of session: StoredSession) -> [String?] {
        [session.accessToken, session.refreshToken, session.client?.clientSecret]
    }

    /// Starts waiting probes while slots are free and no refresh is queued.
    func startWaitingProbes() {
        while !probesWaiting.isEmpty, probesRunning < max(1, policy.maxParallel), !refreshesWaiting {
            let name = probesWaiting.removeFirst()
            probesWaitingSet.remove(name)
            startProbe(name, context())
        }
    }
}
