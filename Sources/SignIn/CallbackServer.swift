import FlyingFox
import FlyingSocks
import Foundation
import OAuth
import Synchronization

/// The loopback redirect endpoint of a browser sign-in (RFC 8252 section 7.3): FlyingFox on 127.0.0.1 only (never
/// `.loopback`, which is ::1), `GET <path>` (`RedirectPath`), for as long as one sign-in lasts.
final class CallbackServer: Sendable {
    let port: UInt16
    let path: String
    private let server: HTTPServer
    private let task: Task<Void, any Error>

    var redirectURI: String { "http://127.0.0.1:\(port)\(path)" }

    private init(server: HTTPServer, task: Task<Void, any Error>, port: UInt16, path: String) {
        self.server = server
        self.task = task
        self.port = port
        self.path = path
    }

    enum StartError: Error {
        /// The port is taken (or not ours to bind).
        case cannotListen(port: UInt16, reason: String)
    }

    /// Listens on 127.0.0.1:`port` (0: a free port) and hands every request to `inbox`. `handlerTimeout` bounds how
    /// long the browser waits for its page (the code exchange happens meanwhile).
    static func start(
        port: UInt16, path: String = RedirectPath.fixed, inbox: CallbackInbox, handlerTimeout: TimeInterval
    ) async throws -> CallbackServer {
        let address: sockaddr_in
        do {
            address = try .inet(ip4: "127.0.0.1", port: port)
        } catch {
            throw StartError.cannotListen(port: port, reason: "\(error)")
        }
        let server = HTTPServer(address: address, timeout: handlerTimeout, logger: .disabled)
        await server.appendRoute(HTTPRoute("GET \(path)")) { request in
            let query = AuthorizationResponse.parameters(query: request.target.query(percentEncoded: true))
            let (status, body) = CallbackPage.html(await inbox.receive(query: query))
            return page(status, body)
        }
        await server.appendRoute("*") { _ in page(404, CallbackPage.notFound) }
        let failure = Mutex<String?>(nil)
        let task = Task {
            do {
                try await server.run()
            } catch {
                failure.withLock { $0 = "\(error)" }
                throw error
            }
        }
        // FlyingFox's waitUntilListening would wait out its whole timeout when binding fails: poll both instead.
        var polls = 0
        while !(await server.isListening) {
            polls += 1
            if let reason = failure.withLock({ $0 }) {
                throw StartError.cannotListen(port: port, reason: reason)
            }
            if polls > 500 {
                task.cancel()
                throw StartError.cannotListen(port: port, reason: "not listening after 5 s")
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        guard case .ip4(_, let bound)? = await server.listeningAddress else {
            task.cancel()
            throw StartError.cannotListen(port: port, reason: "no IPv4 address")
        }
        return CallbackServer(server: server, task: task, port: bound, path: path)
    }

    /// Stops listening, after the pages being written are out (at most a second).
    func stop() async {
        await server.stop(timeout: 1)
        task.cancel()
    }

    private static func page(_ status: Int, _ body: String) -> HTTPResponse {
        HTTPResponse(
            statusCode: HTTPStatusCode(
                status, phrase: status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request"),
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                HTTPHeader("Referrer-Policy"): "no-referrer",
            ],
            body: Data(body.utf8))
    }
}
