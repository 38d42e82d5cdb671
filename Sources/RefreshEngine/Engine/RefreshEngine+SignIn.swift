import Foundation
import Logging
import OAuth
import TokenStore

/// Browser sign-in through the `SignInService`, with the server showing "Waiting for browser sign-in" meanwhile.
extension RefreshEngine {
    /// Runs a browser sign-in for `name` through the sign-in service: the server shows "Waiting for browser
    /// sign-in" (with the authorization URL's host, and the URL in `ServerStatus.signInURL`) until it ends. On
    /// success the session is stored (durably) and adopted, and its refresh and probe are scheduled; on failure or
    /// `cancelLogin(name)` the server goes back to the state it had.
    ///
    /// Throws only when the sign-in cannot start: unknown, disabled or misconfigured server, or one already running.
    public func login(
        _ name: String, onAuthorizationURL: @escaping @Sendable (URL) -> Void
    ) async throws(EngineError) -> LoginOutcome {
        guard let record = servers[name] else { throw .unknownServer(name) }
        if !record.definition.enabled { throw .disabled(name) }
        if let problem = record.definition.configurationError { throw .misconfigured(name, problem) }
        if record.isSigningIn { throw .signInRunning(name) }
        guard let service = signInService else {
            return .failed(.configuration("this oauthtop process cannot run a browser sign-in"))
        }
        guard servers[name]?.isSigningIn != true else { throw .signInRunning(name) }

        let task = beginSignIn(name, service: service, onAuthorizationURL: onAuthorizationURL)
        switch await task.result {
        case .success(let session) where session.server == name:
            return await store(session)
        case .success:
            let context = context()
            await transition(name) { $0.signInFailed(context) }
            return .failed(.provider("the sign-in returned a session for another server"))
        case .failure(let error):
            let failure = Self.signInFailure(error)
            logger.warning(
                "OAuth sign-in failed",
                metadata: ["server": "\(name)", "error": "\(failure.message)", "reason": "\(failure.kind.rawValue)"])
            let context = context()
            await transition(name) { $0.signInFailed(context) }
            return .failed(failure)
        }
    }

    /// `login(_:onAuthorizationURL:)` for callers that read the URL from `ServerStatus.signInURL` instead.
    public func login(_ name: String) async throws(EngineError) -> LoginOutcome {
        try await login(name, onAuthorizationURL: { _ in })
    }

    /// Cancels the running sign-in of `name` (the dashboard's Esc); `login` then returns `.failed(.cancelled)`.
    /// Returns false when none runs.
    @discardableResult
    public func cancelLogin(_ name: String) -> Bool {
        guard let task = servers[name]?.signInTask else { return false }
        task.cancel()
        return true
    }

    /// Starts the service's sign-in in its own task; the server is `signing_in` from here on.
    private func beginSignIn(
        _ name: String, service: any SignInService, onAuthorizationURL: @escaping @Sendable (URL) -> Void
    ) -> Task<StoredSession, any Error> {
        guard let record = servers[name] else { preconditionFailure("servers are never removed") }
        let definition = record.definition
        let scopes = record.scopesToKeep
        let task = Task { () async throws -> StoredSession in
            try await service.signIn(
                definition, scopes: scopes,
                onAuthorizationURL: { url in
                    onAuthorizationURL(url)
                    Task { await self.transition(name) { $0.signInURLKnown(url) } }
                },
                onDeviceCode: { prompt in
                    Task { await self.transition(name) { $0.deviceCodeKnown(prompt) } }
                })
        }
        guard let effects = servers.update(name, { $0.beginSignIn(task) }) else {
            preconditionFailure("servers are never removed")
        }
        carryOutLater(effects, for: name)
        return task
    }

    /// The new session is saved (synchronously, durable) before the engine uses it.
    ///
    /// Refreshes of the old session went on during the sign-in: none may start now, and one on its way ends
    /// before the new session is stored, so no commit of the old grant can land on top of the new one.
    private func store(_ session: StoredSession) async -> LoginOutcome {
        let name = session.server
        servers.update(name) { $0.holdForNewSession() }
        while let running = servers[name]?.inFlight { _ = await running.value }
        do {
            try await store.save(session)
        } catch {
            let failure = SignInError.network("could not save the new session: \(error)")
            logger.error("OAuth sign-in failed", metadata: ["server": "\(name)", "error": "\(failure)"])
            let context = context()
            await transition(name) { $0.signInFailed(context) }
            return .failed(failure)
        }
        let context = context()
        await transition(name) { $0.signInSucceeded(session, context) }
        return .signedIn(expiresAt: session.expiresAt)
    }

    private static func signInFailure(_ error: any Error) -> SignInError {
        if let error = error as? SignInError { return error }
        if error is CancellationError { return SignInError(.cancelled, "sign-in cancelled") }
        return .network("sign-in failed: \(type(of: error))")
    }
}
