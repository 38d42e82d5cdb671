import Foundation
import Health
import OAuth
import TokenStore

/// Transitions of the connection probe (an MCP `initialize` with the bearer token): when it is due, and what its
/// answer means (DESIGN.md section 3, rules 12 to 14).
extension ServerRecord {
    /// What to probe, once the record allows it.
    struct ProbeTarget {
        var url: URL
        var session: StoredSession
    }

    /// Plans the next probe at `date` (one per server; a later plan replaces it). Nothing without a prober.
    mutating func planProbe(at date: Date, _ context: TransitionContext) -> Effects {
        guard context.probesEnabled else { return .none }
        return setDeadline(.probe, date)
    }

    /// The probe deadline came up: probe now (`target` is set and the record counts as probing), later, or not
    /// at all.
    /// `refreshesWaiting`: due refreshes wait for a slot. They come first: a probe (an MCP `initialize`, heavier
    /// than a refresh) would compete with them for the provider and this machine, as after a restart or a wake.
    mutating func probeDue(
        _ context: TransitionContext, probesRunning: Int, refreshesWaiting: Bool = false
    ) -> (target: ProbeTarget?, Effects) {
        var effects = setDeadline(.probe, nil)
        // Tokens the store has not taken yet are not used, not even for a probe (durable before use).
        guard let session, !isInactive, state != .failed, !sessionUnsaved,
            let url = definition.url.flatMap(URL.init(string:))
        else { return (nil, effects) }
        // A refresh on its way plans a probe of the new token when it ends.
        if isRefreshing || probing { return (nil, effects) }
        let now = context.now
        if let expiresAt = session.expiresAt, expiresAt <= now {
            // The refresh rules deal with an expired token; look again later.
            effects = effects.then(planProbe(at: now.addingTimeInterval(context.policy.probeInterval), context))
            return (nil, effects)
        }
        if refreshesWaiting || probesRunning >= max(1, context.policy.maxParallel) {
            return (nil, effects.then(planProbe(at: now.addingTimeInterval(1), context)))
        }
        probing = true
        return (ProbeTarget(url: url, session: session), effects)
    }

    /// A probe asked for now (`RefreshEngine.probe`): `nil` when there is nothing to probe or one is running.
    mutating func beginProbeNow() -> ProbeTarget? {
        guard let session, !probing, let url = definition.url.flatMap(URL.init(string:)) else { return nil }
        probing = true
        return ProbeTarget(url: url, session: session)
    }

    /// Applies a probe's answer: 2xx → "Connected"; 401 on a token issued within `rejection_window` (or one that
    /// cannot be refreshed) → "Token rejected by server"; 401 on an older token → a reactive refresh (the rate
    /// limit applies) and a probe of the new token after it; no answer → the unreachable rule. The next probe is
    /// planned `probe_interval` later.
    mutating func probeFinished(
        accessToken: String, _ result: ProbeResult, seconds: Double, _ context: TransitionContext
    ) -> Effects {
        probing = false
        // The token changed meanwhile (refresh, sign-in, logout): whoever changed it planned the next probe.
        guard let session, session.accessToken == accessToken, !isInactive else { return .none }
        let now = context.now
        probedAt = now
        let duration = Self.milliseconds(seconds)
        switch result {
        case .connected:
            probe = .connected
            rejectedByServer = nil
            return Effects.log(
                .info, "OAuth client connection successful", ["server": name, "duration_ms": duration]
            ).then(nextProbe(context)).savedAndPublished
        case .unreachable(let summary, let detail):
            probe = .unreachable(summary: summary, detail: detail)
            return Effects.log(
                .warning, "OAuth client connection failed",
                ["server": name, "duration_ms": duration, "error": detail]
            ).then(nextProbe(context)).savedAndPublished
        case .unauthorized(let error):
            return unauthorized(error, session: session, duration: duration, context)
        case .insufficientScope(let scope, let error):
            // The token is good; a refresh cannot add scope (RFC 6749 section 6), only a new sign-in can.
            probe = .insufficientScope(scope: scope ?? "", detail: error)
            rejectedByServer = nil
            return Effects.log(
                .warning, "OAuth server needs more access",
                ["server": name, "duration_ms": duration, "scope": scope ?? "", "error": error]
            ).then(nextProbe(context)).savedAndPublished
        }
    }

    /// A 401 from the MCP server: on a fresh token (or one that cannot be refreshed) the server rejects it
    /// itself; on an older one it may simply have dropped it, so refresh now (the rate limit decides when).
    private mutating func unauthorized(
        _ error: String, session: StoredSession, duration: String, _ context: TransitionContext
    ) -> Effects {
        let now = context.now
        let age = now.timeIntervalSince(session.issuedAt)
        let refreshable = session.refreshToken != nil && client != nil && (state == .idle || state == .scheduled)
        if age < context.policy.rejectionWindow || !refreshable {
            rejectedByServer = error
            probe = nil
            return Effects.log(
                .error, "OAuth token rejected by server",
                ["server": name, "duration_ms": duration, "error": error, "token_age_s": "\(Int(age.rounded()))"]
            ).then(nextProbe(context)).savedAndPublished
        }
        forcePending = true
        state = .scheduled
        let earliest = context.policy.earliestAttempt(lastAttempt: lastAttemptAt, now: now)
        return Effects.log(
            .warning, "OAuth token refused by server; refreshing",
            ["server": name, "duration_ms": duration, "error": error]
        ).then(setDeadline(.refresh, earliest, trigger: .probe)).savedAndPublished
    }

    /// What a new sign-in must ask for at least: the scopes the session has and those the server asked for in its
    /// last `insufficient_scope` answer, in that order, each once.
    var scopesToKeep: [String] {
        var scopes: [String] = []
        var words = (session?.scope ?? "").split(separator: " ").map(String.init)
        if case .insufficientScope(let scope, _) = probe { words += scope.split(separator: " ").map(String.init) }
        for word in words where !scopes.contains(word) { scopes.append(word) }
        return scopes
    }

    private mutating func nextProbe(_ context: TransitionContext) -> Effects {
        planProbe(at: context.now.addingTimeInterval(context.policy.probeInterval), context)
    }
}
