import ArgumentParser
import Foundation
import Health
import RefreshEngine
import TokenStore

/// Hands out a valid access token for one server: straight from the store while it is fresh, else after a refresh
/// under the cross-process lease (`token`, `headers`).
struct TokenIssuer {
    let runtime: Runtime

    /// Longest wait for a refresh that another process or the rate limit holds up.
    static let maxWait: TimeInterval = 60

    func validSession(for server: ServerConfig) async throws -> StoredSession {
        let name = server.name
        guard let session = try await runtime.store.session(for: name) else {
            throw fail(
                .signIn,
                "no session for '\(name)'; sign in with: oauthtop login \(name)  (or: oauthtop import \(name) < token.json)")
        }
        let now = Date()
        guard needsRefresh(session, now: now) else { return session }
        guard session.refreshToken != nil else {
            if isValid(session, now: now) { return session }
            throw fail(.signIn, "the token of '\(name)' expired and there is no refresh token; sign in again: oauthtop login \(name)")
        }

        let engine = runtime.engine([server.definition])
        try await engine.start()
        for _ in 0..<3 {
            let outcome: RefreshOutcome
            do {
                outcome = try await engine.refresh(name)
            } catch {
                throw engineFailure(error)
            }
            switch outcome {
            case .refreshed, .adopted:
                if let fresh = try await runtime.store.session(for: name) { return fresh }
                throw fail(.signIn, "the session of '\(name)' disappeared while refreshing; sign in again: oauthtop login \(name)")
            case .deferred(let until, let reason):
                if let current = try await runtime.store.session(for: name), isValid(current, now: Date()),
                    current.accessToken != session.accessToken || !needsRefresh(current, now: Date())
                {
                    return current
                }
                let wait = until.timeIntervalSinceNow
                guard wait <= Self.maxWait else { throw fail(.retryable, "'\(name)': \(reason)") }
                if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000) + 50)) }
            case .retrying(let error, let next):
                if let current = try await runtime.store.session(for: name), isValid(current, now: Date()) {
                    printError("refresh of '\(name)' failed (\(error)); the current token is still valid; next attempt at \(TimeText.rfc3339(next))")
                    return current
                }
                throw fail(.retryable, "refresh of '\(name)' failed: \(error); try again after \(TimeText.rfc3339(next))")
            case .failed(let error):
                throw fail(.signIn, "cannot refresh '\(name)': \(error); sign in again: oauthtop login \(name)")
            }
        }
        throw fail(.retryable, "'\(name)' is being refreshed by another process; try again shortly")
    }

    private func needsRefresh(_ session: StoredSession, now: Date) -> Bool {
        guard let due = runtime.config.refresh.proactiveRefreshTime(issuedAt: session.issuedAt, expiresAt: session.expiresAt)
        else { return false }
        return due <= now
    }

    private func isValid(_ session: StoredSession, now: Date) -> Bool {
        session.expiresAt.map { $0 > now } ?? true
    }
}

/// The exit code and message for a request the engine refused.
func engineFailure(_ error: EngineError) -> ExitCode {
    switch error {
    case .unknownServer, .disabled, .misconfigured:
        fail(.usage, error.description)
    case .signInRequired, .loggedOut:
        fail(.signIn, error.description)
    case .signInRunning:
        fail(.retryable, error.description)
    }
}
