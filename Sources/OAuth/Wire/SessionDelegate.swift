import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The session's delegate: routes each task's callbacks to its `ResponseReader` and refuses redirects, so a
/// request carrying a refresh token or a client secret is never replayed to another URL.
final class SessionDelegate: NSObject, URLSessionDataDelegate, Sendable {
    private let readers = Mutex([Int: ResponseReader]())

    func register(_ reader: ResponseReader, for taskIdentifier: Int) {
        readers.withLock { $0[taskIdentifier] = reader }
    }

    func unregister(_ taskIdentifier: Int) {
        readers.withLock { $0[taskIdentifier] = nil }
    }

    private func reader(for task: URLSessionTask) -> ResponseReader? {
        readers.withLock { $0[task.taskIdentifier] }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        let proceed = reader(for: dataTask)?.received(response) ?? false
        completionHandler(proceed ? .allow : .cancel)
        // FoundationNetworking ignores the disposition and would download the rest regardless.
        if !proceed { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let reader = reader(for: dataTask) else { return }
        if !reader.received(data) { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        reader(for: task)?.completed(error)
    }

    // FoundationNetworking raises a 401 with `WWW-Authenticate` as a challenge after the whole body has arrived, and
    // with no credential to offer it then waits forever. The 401 is the answer we want: take it and stop the task.
    // Any other challenge (server trust on Darwin, a 401 before its body) gets the system's default handling.
    func urlSession(
        _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
        completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
    ) {
        if let reader = reader(for: task), reader.completeWithReceivedAnswer() {
            completionHandler(.cancelAuthenticationChallenge, nil)
        } else {
            completionHandler(.performDefaultHandling, nil)
        }
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
