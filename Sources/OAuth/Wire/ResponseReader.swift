import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Collects one task's answer as the session delegate reports it: the head, then the body up to
/// `HTTPAnswer.bodyLimit` bytes. Resumes its waiter exactly once, whichever comes first: the answer, a failure,
/// the body passing the limit, `isComplete` saying the body so far is enough (an SSE stream's first event), or
/// cancellation.
final class ResponseReader: Sendable {
    private struct State {
        var head: HTTPAnswer?
        var body = Data()
        var waiter: CheckedContinuation<HTTPAnswer, any Error>?
        var outcome: Result<HTTPAnswer, any Error>?
        var finished = false
    }

    private let state = Mutex(State())
    /// Asked after every chunk of a 2xx body; true ends the read with what has arrived (the task is cancelled).
    private let isComplete: (@Sendable (HTTPAnswer, Data) -> Bool)?

    init(isComplete: (@Sendable (HTTPAnswer, Data) -> Bool)? = nil) {
        self.isComplete = isComplete
    }

    /// Returns false when the outcome is already known (the waiter has been resumed and the task need not start).
    func wait(_ continuation: CheckedContinuation<HTTPAnswer, any Error>) -> Bool {
        let outcome: Result<HTTPAnswer, any Error>? = state.withLock { state in
            if let outcome = state.outcome {
                state.outcome = nil
                return outcome
            }
            state.waiter = continuation
            return nil
        }
        guard let outcome else { return true }
        continuation.resume(with: outcome)
        return false
    }

    /// Returns false when the task should be cancelled: not HTTP, or a declared length over the limit.
    func received(_ response: URLResponse) -> Bool {
        guard let http = response as? HTTPURLResponse else {
            finish(.failure(URLError(.badServerResponse)))
            return false
        }
        var answer = HTTPAnswer(
            status: http.statusCode, contentType: http.value(forHTTPHeaderField: "Content-Type"),
            retryAfter: http.value(forHTTPHeaderField: "Retry-After"),
            location: http.value(forHTTPHeaderField: "Location"),
            wwwAuthenticate: http.value(forHTTPHeaderField: "WWW-Authenticate"),
            date: http.value(forHTTPHeaderField: "Date"), mcpSessionID: http.value(forHTTPHeaderField: "Mcp-Session-Id")
        )
        if http.expectedContentLength > HTTPAnswer.bodyLimit {
            answer.bodyOverLimit = true
            finish(.success(answer))
            return false
        }
        state.withLock { $0.head = answer }
        return true
    }

    /// Returns false when the task should be cancelled: the body has passed the limit, or the outcome is known.
    func received(_ data: Data) -> Bool {
        let verdict: (proceed: Bool, early: HTTPAnswer?) = state.withLock { state in
            guard !state.finished, var head = state.head else { return (false, nil) }
            if state.body.count + data.count <= HTTPAnswer.bodyLimit {
                state.body.append(data)
                if let isComplete, (200..<300).contains(head.status), isComplete(head, state.body) {
                    head.body = state.body
                    return (false, head)
                }
                return (true, nil)
            }
            head.bodyOverLimit = true
            return (false, head)
        }
        if let early = verdict.early { finish(.success(early)) }
        return verdict.proceed
    }

    func completed(_ error: (any Error)?) {
        if let error { return finish(.failure(error)) }
        finish(receivedAnswer().map { .success($0) } ?? .failure(URLError(.badServerResponse)))
    }

    /// Ends with what has arrived so far; false (and nothing happens) when no head has arrived yet.
    func completeWithReceivedAnswer() -> Bool {
        guard let answer = receivedAnswer() else { return false }
        finish(.success(answer))
        return true
    }

    private func receivedAnswer() -> HTTPAnswer? {
        state.withLock { state in
            guard var answer = state.head else { return nil }
            answer.body = state.body
            return answer
        }
    }

    /// Later calls are ignored.
    func finish(_ outcome: Result<HTTPAnswer, any Error>) {
        let waiter: CheckedContinuation<HTTPAnswer, any Error>? = state.withLock { state in
            guard !state.finished else { return nil }
            state.finished = true
            state.head = nil
            state.body = Data()
            guard let waiter = state.waiter else {
                state.outcome = outcome
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume(with: outcome)
    }
}
