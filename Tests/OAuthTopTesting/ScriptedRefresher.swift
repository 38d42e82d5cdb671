import Foundation
import OAuth
import Synchronization

/// A token endpoint that answers from a script: fixed answers first, then a default. Counts every request and can
/// hold answers until a test releases them.
public final class ScriptedRefresher: TokenRefresher {
    public enum Answer: Sendable {
        case tokens(TokenResponse)
        case failure(TokenEndpointError)
    }

    private struct State {
        var script: [Answer] = []
        var fallback: @Sendable (RefreshRequest, Int) -> Answer
        var requests: [RefreshRequest] = []
        var held = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>
    private let held: AsyncStream<Void>
    private let heldSignal: AsyncStream<Void>.Continuation

    /// By default every request gets a new access token and a rotated refresh token valid for `lifetime` seconds.
    public init(lifetime: TimeInterval = 3600, rotate: Bool = true) {
        (held, heldSignal) = AsyncStream.makeStream(of: Void.self)
        state = Mutex(
            State(fallback: { request, count in
                .tokens(
                    TokenResponse(
                        accessToken: "at-\(count)", refreshToken: rotate ? "rt-\(count)" : nil, expiresIn: lifetime))
            }))
    }

    public var requestCount: Int { state.withLock { $0.requests.count } }
    public var requests: [RefreshRequest] { state.withLock { $0.requests } }

    /// The next answers, in order, before the default takes over.
    public func enqueue(_ answers: Answer...) {
        state.withLock { $0.script.append(contentsOf: answers) }
    }

    public func enqueue(_ answer: Answer, times: Int) {
        state.withLock { $0.script.append(contentsOf: Array(repeating: answer, count: times)) }
    }

    public func answerAlways(_ answer: Answer) {
        state.withLock { $0.fallback = { _, _ in answer } }
    }

    /// Requests wait until `release()`.
    public func hold() { state.withLock { $0.held = true } }

    public func release() {
        let waiting = state.withLock { state in
            state.held = false
            defer { state.waiting.removeAll() }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    public var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Returns once a request is held (after `hold()`): the request is on the wire, its answer not yet back.
    public func requestHeld() async { for await _ in held { return } }

    public func refresh(_ request: RefreshRequest) async throws -> TokenResponse {
        let answer: Answer = state.withLock { state in
            state.requests.append(request)
            return state.script.isEmpty ? state.fallback(request, state.requests.count) : state.script.removeFirst()
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let proceed = state.withLock { state in
                if state.held {
                    state.waiting.append(continuation)
                    heldSignal.yield()
                    return false
                }
                return true
            }
            if proceed { continuation.resume() }
        }
        switch answer {
        case .tokens(let response): return response
        case .failure(let error): throw error
        }
    }
}
