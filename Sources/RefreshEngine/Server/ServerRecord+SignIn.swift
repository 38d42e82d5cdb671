import Foundation
import Health
import TokenStore

/// Transitions of a browser sign-in: start, the authorization URL known, and the two ends.
extension ServerRecord {
    /// A sign-in starts. The refresh state is left as it is: the old session keeps being refreshed (and handed
    /// out) until the new one is stored, and a sign-in that fails leaves it exactly as it was.
    mutating func beginSignIn(_ task: Task<StoredSession, any Error>) -> Effects {
        signInHost = nil
        signInURL = nil
        signInTask = task
        return Effects.log(.info, "OAuth sign-in started", ["server": name]).published
    }

    /// The sign-in has its new session: no refresh of the old one starts from here until it is stored (or the
    /// store refused it).
    mutating func holdForNewSession() {
        holdRefreshes = true
    }

    /// The URL the user must open is known: shown (it carries the sign-in's state), never logged.
    mutating func signInURLKnown(_ url: URL) -> Effects {
        guard isSigningIn else { return .none }
        signInURL = url
        signInHost = url.host
        return Effects.none.published
    }

    /// A device sign-in has its code: shown until the sign-in ends (the user code is meant to be seen; not logged).
    mutating func deviceCodeKnown(_ prompt: DeviceCodePrompt) -> Effects {
        guard isSigningIn else { return .none }
        deviceCode = prompt
        signInHost = URL(string: prompt.verificationURI)?.host
        return Effects.none.published
    }

    /// The new session is stored: adopt it, starting with no probe result of the old one.
    mutating func signInSucceeded(_ session: StoredSession, _ context: TransitionContext) -> Effects {
        endSignIn()
        holdRefreshes = false
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

    /// The sign-in failed or was cancelled: the server goes on as it was (its refreshes never stopped). When the
    /// new session could not be stored, refreshes held for it resume from a fresh plan.
    mutating func signInFailed(_ context: TransitionContext) -> Effects {
        endSignIn()
        guard holdRefreshes else { return Effects.none.published }
        holdRefreshes = false
        if state == .idle || state == .scheduled { return plan(context).published }
        return setDeadline(.refresh, deadline ?? context.now, trigger: trigger).published
    }

    private mutating func endSignIn() {
        signInTask = nil
        signInHost = nil
        signInURL = nil
        deviceCode = nil
    }
}
