import Foundation
import Health
import OAuth
import TokenStore

/// What one attempt needs once the record allows it: the session it refreshes and the request to send.
struct AttemptPlan {
    var session: StoredSession
    var refreshToken: String
    var request: RefreshRequest
}

/// Transitions of one refresh attempt: begin, the checks before the request, the answer (success, a retry, a
/// permanent failure), and the end.
extension ServerRecord {
    /// How an attempt goes on after the record's checks.
    enum AttemptStart {
        case send(AttemptPlan)
        /// Nothing to send; the record has moved on (planned again or failed) and this is what the caller gets.
        case stop(Effects, RefreshOutcome)
    }

    /// A refresh starts: it owns the server until it ends, and no deadline is pending meanwhile.
    mutating func beginRefresh(_ task: Task<RefreshOutcome, Never>) -> Effects {
        inFlight = task
        waitingForSlot = false
        forcePending = false
        state = .refreshing
        return setDeadline(.refresh, nil).published
    }

    /// The tokens just adopted under this attempt's lease are due as well: the attempt goes on with them.
    mutating func keepRefreshing() -> Effects {
        state = .refreshing
        return setDeadline(.refresh, nil).published
    }

    /// The checks before the request: a session with a live refresh token and a token endpoint to send it to.
    mutating func prepareAttempt(_ context: TransitionContext) -> AttemptStart {
        if holdRefreshes {
            return .stop(.none, .deferred(until: context.now, reason: "a sign-in is storing its new session"))
        }
        guard let session else { return .stop(.none, .failed(error: "server '\(name)' has no session")) }
        guard let refreshToken = session.refreshToken else {
            state = .idle
            return .stop(
                plan(context).published,
                .failed(error: "server '\(name)' has no refresh token; sign in again with: oauthtop login \(name)"))
        }
        if let dead = session.refreshTokenExpiresAt, dead <= context.now {
            let message = "Refresh token expired at \(TimeText.rfc3339(dead))"
            return .stop(failPermanently(message, refreshTokenDead: true), .failed(error: message))
        }
        guard let client, let endpoint = URL(string: client.tokenEndpoint), endpoint.scheme != nil,
            endpoint.host != nil
        else {
            let message =
                "No token endpoint is known for this server; sign in again, or set oauth.token_endpoint and "
                + "oauth.client_id in the config"
            return .stop(failPermanently(message), .failed(error: message))
        }
        let request = RefreshRequest(
            tokenEndpoint: endpoint, refreshToken: refreshToken, clientID: client.clientID,
            clientSecret: client.clientSecret, authMethod: ClientAuthMethod(rawValue: client.authMethod) ?? .none,
            resource: client.resource)
        return .send(AttemptPlan(session: session, refreshToken: refreshToken, request: request))
    }

    /// Another process holds the refresh lease: look again when it expires.
    mutating func leaseHeldElsewhere(by owner: String, until next: Date, trigger: Trigger) -> Effects {
        state = retryCount > 0 ? .retrying : .scheduled
        return setDeadline(.refresh, next, trigger: trigger).then(
            .log(
                .info, "OAuth token refresh deferred; another process is refreshing",
                ["server": name, "lease_owner": owner, "next_attempt": TimeText.rfc3339(next)])
        ).published
    }

    /// The request goes out now: the rate limit counts from here.
    mutating func sendingRequest(_ context: TransitionContext, trigger: Trigger) -> Effects {
        lastAttemptAt = context.now
        return .log(
            .info, "OAuth token refresh attempt",
            ["server": name, "trigger": trigger.rawValue, "retry_count": "\(retryCount)"])
    }

    /// Whether the answer to a request sent with `refreshToken` still applies: no logout or sign-in happened
    /// while it was on its way.
    func awaitsAnswer(for refreshToken: String) -> Bool {
        session?.refreshToken == refreshToken && state == .refreshing
    }

    /// The new tokens are committed: the failure streak ends and the next refresh is planned.
    mutating func refreshSucceeded(
        _ renewed: StoredSession, rotated: Bool, seconds: Double, _ context: TransitionContext
    ) -> Effects {
        session = renewed
        sessionUnsaved = false
        retryCount = 0
        lastError = nil
        lastResult = .success
        refreshTokenDead = false
        rejectedByServer = nil
        lastRefreshAt = context.now
        lastRefreshDuration = seconds
        state = .idle
        let succeeded = Effects.log(
            .info, "OAuth token refresh succeeded",
            [
                "server": name, "duration_ms": Self.milliseconds(seconds), "result": "success",
                "expires_at": renewed.expiresAt.map(TimeText.rfc3339) ?? "none",
                "refresh_token_rotated": "\(rotated)",
            ])
        return succeeded.then(plan(context)).savedAndPublished
    }

    /// The store refused the new tokens: keep them in memory (they may be the only copy of a rotated refresh
    /// token) and try again later.
    mutating func newTokensNotSaved(_ renewed: StoredSession, error: String, _ context: TransitionContext) -> Effects {
        session = renewed
        sessionUnsaved = true
        return scheduleRetry(
            "could not save the new tokens: \(error)", .init(retryable: true, result: .failedOther), context)
    }

    /// Tokens the store refused earlier are saved now: the refresh that brought them is complete.
    mutating func unsavedTokensSaved(_ context: TransitionContext) -> Effects {
        sessionUnsaved = false
        retryCount = 0
        lastError = nil
        lastResult = .success
        state = .idle
        return Effects.log(.info, "OAuth tokens saved after an earlier failure", ["server": name])
            .then(plan(context)).then(planProbe(at: context.now, context)).savedAndPublished
    }

    /// A failure that may pass: count it, back off, and try again. Retries never stop on a count.
    mutating func scheduleRetry(
        _ message: String, _ classification: FailureClassification, seconds: Double? = nil,
        _ context: TransitionContext
    ) -> Effects {
        retryCount = retryCount == Int.max ? Int.max : retryCount + 1
        lastError = message
        lastResult = classification.result
        state = .retrying
        let delay = context.policy.retryDelay(afterFailure: retryCount, retryAfter: classification.retryAfter)
        let next = context.now.addingTimeInterval(delay)
        var failed = [
            "server": name, "result": classification.result.rawValue, "error": message,
            "retry_count": "\(retryCount)",
        ]
        if let seconds { failed["duration_ms"] = Self.milliseconds(seconds) }
        return setDeadline(.refresh, next, trigger: .retry)
            .then(.log(.warning, "OAuth token refresh failed", failed))
            .then(
                .log(
                    .info, "OAuth token refresh retry scheduled",
                    [
                        "server": name, "retry_count": "\(retryCount)", "next_attempt": TimeText.rfc3339(next),
                        "delay_s": "\(delay)",
                    ])
            ).savedAndPublished
    }

    /// The token endpoint refused the refresh token for good (`invalid_grant` and the like).
    mutating func refusedByTokenEndpoint(_ message: String, result: RefreshResult, seconds: Double) -> Effects {
        Effects.log(
            .error, "OAuth token refresh failed",
            [
                "server": name, "duration_ms": Self.milliseconds(seconds), "result": result.rawValue,
                "error": message, "retry_count": "\(retryCount)",
            ]
        ).then(failPermanently(message, result: result, announce: false))
    }

    /// Refreshing cannot work any more; only a new sign-in helps. Nothing is scheduled until then.
    mutating func failPermanently(
        _ message: String, result: RefreshResult? = nil, refreshTokenDead: Bool = false, announce: Bool = true
    ) -> Effects {
        state = .failed
        lastError = message
        if let result { lastResult = result }
        self.refreshTokenDead = refreshTokenDead
        forcePending = false
        var effects = setDeadline(.refresh, nil)
        if announce {
            effects = effects.then(
                .log(
                    .error, "OAuth token refresh impossible; sign-in required",
                    ["server": name, "error": message, "retry_count": "\(retryCount)"]))
        }
        return effects.savedAndPublished
    }

    /// The attempt is over. New tokens are probed only now: a probe that came due while the attempt was still
    /// saving its state was skipped because a refresh was in flight. Tokens adopted from another process are not:
    /// that process probes what it got (see `adopt`).
    mutating func endAttempt(_ outcome: RefreshOutcome, _ context: TransitionContext) -> Effects {
        inFlight = nil
        switch outcome {
        case .refreshed: return planProbe(at: context.now, context)
        default: return .none
        }
    }

    static func milliseconds(_ seconds: Double) -> String {
        "\(Int((max(0, seconds) * 1000).rounded()))"
    }
}

extension StoredSession {
    /// This session after a successful refresh sent at `sentAt`: a missing refresh token keeps the old one, a
    /// missing scope keeps the old scope, and times are absolute. A non-positive `expires_in` counts as no expiry.
    func renewed(by response: TokenResponse, sentAt: Date) -> StoredSession {
        var renewed = self
        renewed.accessToken = response.accessToken
        renewed.tokenType = response.tokenType
        if let rotated = response.refreshToken {
            renewed.refreshToken = rotated
            renewed.refreshTokenExpiresAt = nil
        }
        if let refreshLifetime = response.refreshTokenExpiresIn, refreshLifetime > 0 {
            renewed.refreshTokenExpiresAt = sentAt.addingTimeInterval(refreshLifetime)
        }
        renewed.scope = response.scope ?? scope
        renewed.issuedAt = sentAt
        renewed.expiresAt = response.usableLifetime.map { sentAt.addingTimeInterval($0) }
        return renewed
    }
}

extension TokenResponse {
    /// `expires_in` when it is a finite number of seconds; 0 or below is 0, "expired now" (docs/refresh-policy.md):
    /// the token is refreshed again at once, no sooner than `min_attempt_interval` after this attempt.
    var usableLifetime: Double? {
        expiresIn.flatMap { $0.isFinite ? max($0, 0) : nil }
    }
}
