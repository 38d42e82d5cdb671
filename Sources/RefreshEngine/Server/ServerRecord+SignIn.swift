import Foundation
import Health
import TokenStore

/// Where a server stood before a sign-in began; a failed or cancelled sign-in goes back there.
struct SignInRestorePoint {
    var state: RefreshState
    var forcePending: Bool
    var deadline: Date?
    var trigger: Trigger
}

/// Transitions of a browser sign-in: start, the authorization URL known, and the two ends.
extension ServerRecord {
    /// The sign-in owns the server until it ends: nothing is scheduled meanwhile.
    mutating func beginSignIn(_ task: Task<StoredSession, any Error>) -> (SignInRestorePoint, Effects) {
        let restorePoint = SignInRestorePoint(
            state: state, forcePending: forcePending, deadline: deadline, trigger: trigger)
        state = .signingIn
        signInHost = nil
        signInURL = nil
        forcePending = false
        waitingForSlot = false
        signInTask = task
        let effects = setDeadline(.refresh, nil).then(.log(.info, "OAuth sign-in started", ["server": name]))
        return (restorePoint, effects.published)
    }

    /// The URL the user must open is known: shown (it carries the sign-in's state), never logged.
    mutating func signInURLKnown(_ url: URL) -> Effects {
        guard state == .signingIn else { return .none }
        signInURL = url
        signInHost = url.host
        return Effects.none.published
    }

    /// A device sign-in has its code: shown until the sign-in ends (the user code is meant to be seen; not logged).
    mutating func deviceCodeKnown(_ prompt: DeviceCodePrompt) -> Effects {
        guard state == .signingIn else { return .none }
        deviceCode = prompt
        signInHost = URL(string: prompt.verificationURI)?.host
        return Effects.none.published
    }

    /// The new session is stored: adopt it, starting with no probe result of the old one.
    mutating func signInSucceeded(_ session: StoredSession, _ context: TransitionContext) -> Effects {
        endSignIn()
        state = .idle
        probe = nil
        probedAt = nil
        return adopt(session, from: .signIn, context).then(
            .log(
                .info, "OAuth sign-in succeeded",
                [
                    "server": name, "expires_at": session.expiresAt.map(TimeText.rfc3339) ?? "none",
                    "has_refresh_token": "\(session.refreshToken != nil)",
                ]))
    }

    /// The sign-in failed or was cancelled: back to where the server was before it began.
    mutating func signInFailed(restoring point: SignInRestorePoint) -> Effects {
        endSignIn()
        state = point.state
        forcePending = point.forcePending
        guard let deadline = point.deadline else { return Effects.none.published }
        return setDeadline(.refresh, deadline, trigger: point.trigger).published
    }

    private mutating func endSignIn() {
        signInTask = nil
        signInHost = nil
        signInURL = nil
        deviceCode = nil
    }
}
