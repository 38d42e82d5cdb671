import Foundation
import OAuth
import RefreshEngine
import Synchronization
import TokenStore

/// A sign-in service that answers from a script: a session or a `SignInError`, optionally held until released or
/// cancelled. Records every sign-in and revocation.
public final class ScriptedSignIn: SignInService {
    public static let authorizationURL = URL(string: "https://auth.example.com/authorize?state=not-logged")!

    private struct State {
        var answer: @Sendable (ServerDefinition) -> Result<StoredSession, SignInError>
        var revocation: RevocationOutcome = .revoked
        var signIns: [String] = []
        var scopesAsked: [[String]] = []
        var deviceCode: DeviceCodePrompt?
        var revoked: [StoredSession] = []
        var held = false
        var waiter: CheckedContinuation<Void, any Error>?
    }

    private let state: Mutex<State>

    public init(answer: @escaping @Sendable (ServerDefinition) -> Result<StoredSession, SignInError>) {
        state = Mutex(State(answer: answer))
    }

    public var signIns: [String] { state.withLock { $0.signIns } }
    /// The `scopes` each sign-in was given, in order.
    public var scopesAsked: [[String]] { state.withLock { $0.scopesAsked } }
    public var revoked: [StoredSession] { state.withLock { $0.revoked } }

    public func answerRevocations(with outcome: RevocationOutcome) { state.withLock { $0.revocation = outcome } }

    /// Sign-ins wait after reporting their URL until `release()` or cancellation.
    public func hold() { state.withLock { $0.held = true } }

    public var isWaiting: Bool { state.withLock { $0.waiter != nil } }

    public func release() {
        let waiter = state.withLock { state in
            state.held = false
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// When set, sign-ins report this device code (after the URL).
    public func showDeviceCode(_ prompt: DeviceCodePrompt) { state.withLock { $0.deviceCode = prompt } }

    public func signIn(
        _ server: ServerDefinition, scopes: [String], onAuthorizationURL: @escaping @Sendable (URL) -> Void,
        onDeviceCode: @escaping @Sendable (DeviceCodePrompt) -> Void
    ) async throws -> StoredSession {
        let answer = state.withLock { state in
            state.signIns.append(server.name)
            state.scopesAsked.append(scopes)
            return state.answer
        }
        onAuthorizationURL(Self.authorizationURL)
        if let prompt = state.withLock({ $0.deviceCode }) { onDeviceCode(prompt) }
        try await waitIfHeld()
        return try answer(server).get()
    }

    public func revoke(_ session: StoredSession) async -> RevocationOutcome {
        state.withLock { state in
            state.revoked.append(session)
            return state.revocation
        }
    }

    private func waitIfHeld() async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let proceed = state.withLock { state in
                    guard state.held else { return true }
                    state.waiter = continuation
                    return false
                }
                if proceed { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(throwing: SignInError(.cancelled, "sign-in cancelled"))
        }
    }
}

/// A connection prober that answers from a script (then a default) and records what it was asked.
public final class ScriptedProber: ConnectionProber {
    private struct State {
        var script: [ProbeResult] = []
        var fallback: ProbeResult
        var probes: [(url: URL, accessToken: String)] = []
    }

    private let state: Mutex<State>

    public init(default fallback: ProbeResult = .connected) {
        state = Mutex(State(fallback: fallback))
    }

    public var tokensProbed: [String] { state.withLock { $0.probes.map(\.accessToken) } }
    public var probeCount: Int { state.withLock { $0.probes.count } }

    public func enqueue(_ results: ProbeResult...) { state.withLock { $0.script.append(contentsOf: results) } }
    public func answerAlways(_ result: ProbeResult) { state.withLock { $0.fallback = result } }

    public func probe(url: URL, accessToken: String, tokenType: String) async -> ProbeResult {
        state.withLock { state in
            state.probes.append((url, accessToken))
            return state.script.isEmpty ? state.fallback : state.script.removeFirst()
        }
    }
}
