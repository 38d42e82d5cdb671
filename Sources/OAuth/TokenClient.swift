import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Talks to a token endpoint over HTTP: refresh (RFC 6749 section 6) and any other grant via `requestToken`.
///
/// Every failure is thrown as `TokenEndpointError`, except task cancellation (`CancellationError`). Error text never
/// contains tokens, codes or secrets: only the status, the content type and size of the body, and the provider's
/// own `error` and `error_description`. Safe to share between tasks.
public final class TokenClient: TokenRefresher {
    /// Seconds for the whole exchange, from sending the request to the last byte of the answer.
    public let timeout: TimeInterval
    public let userAgent: String
    private let idleTimeout: TimeInterval
    private let session: URLSession
    private let delegate: SessionDelegate

    public init(timeout: TimeInterval = 30, userAgent: String = "oauthtop/0.1") {
        precondition(timeout > 0 && timeout.isFinite, "timeout must be a positive number of seconds")
        self.timeout = timeout
        self.userAgent = userAgent
        // FoundationNetworking truncates the idle timeout to whole seconds (0.5 s would become 1 ms), so it gets
        // the timeout rounded up; the overall deadline in `requestToken` is the exact limit.
        idleTimeout = max(1, timeout.rounded(.up))
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        configuration.timeoutIntervalForResource = idleTimeout
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        delegate = SessionDelegate()
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
    }

    deinit {
        session.invalidateAndCancel()
    }

    public func refresh(_ request: RefreshRequest) async throws -> TokenResponse {
        var parameters = [("grant_type", "refresh_token"), ("refresh_token", request.refreshToken)]
        if let scope = request.scope, !scope.isEmpty {
            parameters.append(("scope", scope))
        }
        return try await requestToken(
            endpoint: request.tokenEndpoint, parameters: parameters, clientID: request.clientID,
            clientSecret: request.clientSecret, authMethod: request.authMethod, resource: request.resource)
    }

    /// POSTs `parameters` (grant type first) to `endpoint`, then `client_id` (always in the body, even with
    /// `client_secret_basic`, which the mcp SDK server requires), `client_secret` for `client_secret_post`, and
    /// `resource` (RFC 8707) when given. With `client_secret_basic` a `nil` secret is sent as empty.
    public func requestToken(
        endpoint: URL, parameters: [(String, String)], clientID: String, clientSecret: String? = nil,
        authMethod: ClientAuthMethod = .none, resource: String? = nil
    ) async throws -> TokenResponse {
        var form = parameters
        form.append(("client_id", clientID))
        if authMethod == .clientSecretPost, let clientSecret {
            form.append(("client_secret", clientSecret))
        }
        if let resource {
            form.append(("resource", resource))
        }
        var request = URLRequest(url: endpoint, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: idleTimeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue(userAgent, forHTTPHeaderField: "User-Agent")
        if authMethod == .clientSecretBasic {
            // RFC 6749 section 2.3.1: id and secret are form-encoded before Basic encoding.
            let credentials = FormEncoding.component(clientID) + ":" + FormEncoding.component(clientSecret ?? "")
            request.setValue("Basic " + Data(credentials.utf8).base64EncodedString(), forHTTPHeaderField: "Authorization")
        }
        request.httpBody = Data(FormEncoding.encode(form).utf8)

        let answer: HTTPAnswer
        do {
            answer = try await withDeadline(seconds: timeout) { [request] in try await self.send(request) }
        } catch is DeadlineExceeded {
            throw TokenEndpointError.timeout(after: timeout)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw TokenEndpointError.transport(error, timeout: timeout)
        }
        return try TokenAnswer.interpret(answer)
    }

    private func send(_ request: URLRequest) async throws -> HTTPAnswer {
        let task = session.dataTask(with: request)
        let reader = ResponseReader()
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
