import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One ephemeral URLSession with the shared delegate (no redirects, no cookies, no cache) and an overall deadline
/// per request: what discovery, registration, revocation and the connection probe send their requests through.
final class WireSession: Sendable {
    /// Seconds for a whole exchange, from sending the request to the last byte of the answer.
    let timeout: TimeInterval
    let userAgent: String
    let idleTimeout: TimeInterval
    private let session: URLSession
    private let delegate: SessionDelegate

    /// Well above the requests oauthtop has in flight to one host with the default `max_parallel` (8), with room for
    /// probes and a retry; a `max_parallel` above it queues the rest in libcurl.
    static let connectionsPerHost = 64

    init(timeout: TimeInterval, userAgent: String) {
        precondition(timeout > 0 && timeout.isFinite, "timeout must be a positive number of seconds")
        self.timeout = timeout
        self.userAgent = userAgent
        // FoundationNetworking truncates the idle timeout to whole seconds (0.5 s would become 1 ms), so it gets
        // the timeout rounded up; the overall deadline in `send` is the exact limit.
        idleTimeout = max(1, timeout.rounded(.up))
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        configuration.timeoutIntervalForResource = idleTimeout
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        // Without this FoundationNetworking still parses every response's headers for cookies it will not keep:
        // 2 % of `serve`'s CPU while it refreshed 1,000 servers (perf, 2026-12-07).
        configuration.httpCookieAcceptPolicy = .never
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        // FoundationNetworking's default is 6 connections per host, fewer than the engine's 8 parallel refreshes:
        // a request beyond them waits for a connection, and a refresh asked again after a lost answer could wait
        // behind its own abandoned transfer until the provider's grace window for the rotated-out token had passed
        // (the 10-minute soak, 2026-12-08: reuse detected twice, each retry reaching the peer 2.08-3.26 s after the
        // rotation).
        configuration.httpMaximumConnectionsPerHost = Self.connectionsPerHost
        delegate = SessionDelegate()
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
    }

    deinit {
        session.invalidateAndCancel()
    }

    /// A request with our User-Agent and the idle timeout.
    func request(_ url: URL, method: String, accept: String) -> URLRequest {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: idleTimeout)
        request.httpMethod = method
        request.setValue(accept, forHTTPHeaderField: "Accept")
        request.setValue(userAgent, forHTTPHeaderField: "User-Agent")
        return request
    }

    /// Sends `request` and returns the answer, whatever its status. Transport failures and the deadline become
    /// `TokenEndpointError` (`network` or `timeout`); task cancellation stays `CancellationError`.
    func send(
        _ request: URLRequest, timeout: TimeInterval? = nil,
        isComplete: (@Sendable (HTTPAnswer, Data) -> Bool)? = nil
    ) async throws -> HTTPAnswer {
        let limit = timeout ?? self.timeout
        // The last line of the transport rule: whatever named the URL, no request leaves in cleartext.
        if let url = request.url, let problem = SecureTransport.problem(with: url, what: "the URL") {
            throw TokenEndpointError.network("refused to send: " + problem)
        }
        do {
            return try await withDeadline(seconds: limit) { [request] in
                try await self.perform(request, isComplete: isComplete)
            }
        } catch is DeadlineExceeded {
            throw TokenEndpointError.timeout(after: limit)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw TokenEndpointError.transport(error, timeout: limit)
        }
    }

    private func perform(
        _ request: URLRequest, isComplete: (@Sendable (HTTPAnswer, Data) -> Bool)?
    ) async throws -> HTTPAnswer {
        let task = session.dataTask(with: request)
        let reader = ResponseReader(isComplete: isComplete)
        delegate.register(reader, for: task.taskIdentifier)
        defer { delegate.unregister(task.taskIdentifier) }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if reader.wait(continuation) { task.resume() }
            }
        } onCancel: {
            reader.finish(.failure(CancellationError()))
            task.cancel()
        }
    }
}
