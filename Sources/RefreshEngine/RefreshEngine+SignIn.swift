import Foundation
import Health
import Logging
import OAuth
import TokenStore

extension RefreshEngine {
    /// Runs a browser sign-in for `name` through the sign-in service: the server shows "Waiting for browser
    /// sign-in" (with the authorization URL's host, and the URL in `ServerStatus.signInURL`) until it ends. On
    /// success the session is stored (durably) and adopted, and its refresh and probe are scheduled; on failure or
    /// `cancelLogin(name)` the server goes back to the state it had.
    ///
    /// Throws only when the sign-in cannot start: unknown, disabled or misconfigured server, or one already running.
    public func login(
        _ name: String, onAuthorizationURL: @escaping @Sendable (URL) -> Void = { _ in }
    ) async throws(EngineError) -> LoginOutcome {
        guard let record = servers[name] else { throw .unknownServer(name) }
        if !record.definition.enabled { throw .disabled(name) }
        if let problem = record.definition.configurationError { throw .misconfigured(name, problem) }
        if record.state == .signingIn { throw .signInRunning(name) }
        guard let service = signInService else {
            return .failed(.configuration("this oauthtop process cannot run a browser sign-in"))
        }
        if let running = record.inFlight { _ = await running.value }
        guard var current = servers[name], current.state != .signingIn else { throw .signInRunning(name) }

        let previous = current
        current.state = .signingIn
        current.signInHost = nil
        current.signInURL = nil
        current.deadline = nil
        current.generation &+= 1
        current.forcePending = false
        current.waitingForSlot = false
        let definition = current.definition
        let task = Task { () async throws -> StoredSession in
            try await service.signIn(definition) { url in
                onAuthorizationURL(url)
                Task { await self.signInURLKnown(name, url) }
            }
        }
        current.signInTask = task
        servers[name] = current
        logger.info("OAuth sign-in started", metadata: ["server": "\(name)"])
        publish(name, now: clock.now)

        let result = await task.result
        servers[name]?.signInTask = nil
        switch result {
        case .success(let session) where session.server == name:
            do {
                try await store.save(session)
            } catch {
                restore(name, from: previous)
                let failure = SignInError.network("could not save the new session: \(error)")
                logger.error("OAuth sign-in failed", metadata: ["server": "\(name)", "error": "\(failure)"])
                return .failed(failure)
            }
            if var signedIn = servers[name] {
                signedIn.state = .idle
                signedIn.signInHost = nil
                signedIn.signInURL = nil
                signedIn.probe = nil
                signedIn.probedAt = nil
                servers[name] = signedIn
            }
            takeOver(session, now: clock.now)
            await persist(name)
            logger.info(
                "OAuth sign-in succeeded",
                metadata: [
                    "server": "\(name)", "expires_at": "\(session.expiresAt.map(TimeText.rfc3339) ?? "none")",
                    "has_refresh_token": "\(session.refreshToken != nil)",
                ])
            return .signedIn(expiresAt: session.expiresAt)
        case .success:
            restore(name, from: previous)
            return .failed(.provider("the sign-in returned a session for another server"))
        case .failure(let error):
            let failure: SignInError =
                if let error = error as? SignInError {
                    error
                } else if error is CancellationError {
                    SignInError(.cancelled, "sign-in cancelled")
                } else {
                    .network("sign-in failed: \(type(of: error))")
                }
            restore(name, from: previous)
            logger.warning(
                "OAuth sign-in failed",
                metadata: ["server": "\(name)", "error": "\(failure.message)", "reason": "\(failure.kind.rawValue)"])
            return .failed(failure)
        }
    }

    /// Cancels the running sign-in of `name` (the dashboard's Esc); `login` then returns `.failed(.cancelled)`.
    /// Returns false when none runs.
    @discardableResult
    public func cancelLogin(_ name: String) -> Bool {
        guard let task = servers[name]?.signInTask else { return false }
        task.cancel()
        return true
    }

    private func signInURLKnown(_ name: String, _ url: URL) {
        guard var record = servers[name], record.state == .signingIn else { return }
        record.signInURL = url
        record.signInHost = url.host
        servers[name] = record
        publish(name, now: clock.now)
    }

    /// Back to where the server was before the sign-in began.
    private func restore(_ name: String, from previous: ServerRecord) {
        guard var record = servers[name] else { return }
        record.state = previous.state
        record.signInHost = nil
        record.signInURL = nil
        record.signInTask = nil
        record.forcePending = previous.forcePending
        servers[name] = record
        if let deadline = previous.deadline {
            setDeadline(name, deadline, trigger: previous.trigger)
        }
        publish(name, now: clock.now)
    }
}
