import Foundation
import TokenStore

/// Transitions of the session itself: tokens from elsewhere, a logout here or in another process, and what
/// another process wrote to the store.
extension ServerRecord {
    /// Where tokens that replace ours came from; it names the log line.
    enum TokenSource {
        /// `RefreshEngine.adopt`: an import or another caller of the engine.
        case caller
        /// What another process wrote, seen when the engine read the store.
        case store
        /// Another process refreshed first; found when taking the lease.
        case anotherProcess
        /// `invalid_grant` on a refresh token that another process had already rotated.
        case rotatedElsewhere
        /// A sign-in of this process.
        case signIn

        var logMessage: String? {
            switch self {
            case .caller: "OAuth tokens adopted"
            case .store: "OAuth tokens adopted from the store"
            case .anotherProcess: "OAuth tokens adopted from another process"
            case .rotatedElsewhere: "OAuth refresh token was rotated by another process; adopted its tokens"
            case .signIn: nil
            }
        }
    }

    /// `stored` when it may be used for the configured URL; else `nil`, remembering where it was issued for
    /// (the health says so: a new sign-in is needed, and the old token is never sent to the new URL).
    mutating func usable(_ stored: StoredSession?) -> StoredSession? {
        guard let stored, !stored.belongs(to: definition.url) else {
            sessionIssuedFor = nil
            return stored
        }
        sessionIssuedFor = stored.serverURL
        return nil
    }

    /// Tokens that came from elsewhere replace ours: the bookkeeping starts afresh, the next refresh is planned
    /// and the new token probed.
    mutating func adopt(_ session: StoredSession, from source: TokenSource, _ context: TransitionContext) -> Effects {
        // Tokens another process stored for another URL of this name (an older config) are not ours to use.
        guard usable(session) != nil else { return .none }
        self.session = session
        sessionUnsaved = false
        if state == .loggedOut || state == .failed || state == .retrying { state = .idle }
        retryCount = 0
        lastError = nil
        refreshTokenDead = false
        rejectedByServer = nil
        forcePending = false
        if lastResult != .success { lastResult = nil }
        // Tokens this process got (a sign-in, an import) are probed at once. Tokens another process refreshed were
        // probed by that process: probing them again from every engine on the machine would triple the load on
        // the MCP server; the next periodic probe comes as planned.
        let probeAt: Date
        switch source {
        case .signIn, .caller: probeAt = context.now
        case .store, .anotherProcess, .rotatedElsewhere:
            probeAt = probeSchedule.due ?? context.now.addingTimeInterval(context.policy.probeInterval)
        }
        var effects = plan(context).then(planProbe(at: probeAt, context)).published
        if let message = source.logMessage { effects = effects.then(.log(.info, message, ["server": name])) }
        switch source {
        case .anotherProcess, .rotatedElsewhere, .signIn: return effects.savedAndPublished
        case .caller, .store: return effects
        }
    }

    /// The first step of a logout: nothing may start while the revocation is on its way.
    mutating func beginLogout() -> Effects {
        state = .loggedOut
        return setDeadline(.refresh, nil).then(setDeadline(.probe, nil))
    }

    /// Who ended the session; it names the log line.
    enum LogoutSource {
        case user
        /// The store has no session any more: another process logged out.
        case anotherProcess
    }

    /// The session is gone: forget it and everything learnt about it. What outlives it: the rate-limit clock,
    /// the last refresh's figures, and the deadlines' generations (starting them again could revive stale queue
    /// entries).
    mutating func forgetSession(_ source: LogoutSource) -> Effects {
        var loggedOut = ServerRecord(definition: definition)
        loggedOut.state = .loggedOut
        loggedOut.lastAttemptAt = lastAttemptAt
        loggedOut.lastRefreshAt = lastRefreshAt
        loggedOut.lastRefreshDuration = lastRefreshDuration
        loggedOut.refreshSchedule = refreshSchedule
        loggedOut.probeSchedule = probeSchedule
        loggedOut.trigger = trigger
        loggedOut.inFlight = inFlight
        loggedOut.probing = probing
        self = loggedOut
        let message =
            switch source {
            case .user: "OAuth session logged out"
            case .anotherProcess: "OAuth session was removed by another process"
            }
        return setDeadline(.refresh, nil).then(setDeadline(.probe, nil)).then(.log(.info, message, ["server": name]))
            .savedAndPublished
    }

    /// What the store holds for this server now, read on the engine's store sync: adopt other processes'
    /// tokens, follow their logouts. A server busy refreshing, signing in or holding unsaved tokens is left alone
    /// (its own path deals with the store).
    mutating func readFromStore(_ stored: StoredSession?, _ context: TransitionContext) -> Effects {
        guard !isRefreshing, !holdRefreshes, !sessionUnsaved else { return .none }
        switch (session, stored) {
        case (let mine?, let theirs?)
        where mine.accessToken == theirs.accessToken && mine.refreshToken == theirs.refreshToken:
            return .none
        case (_, let theirs?):
            return adopt(theirs, from: .store, context)
        case (.some, nil):
            return forgetSession(.anotherProcess)
        case (nil, nil):
            return .none
        }
    }
}
