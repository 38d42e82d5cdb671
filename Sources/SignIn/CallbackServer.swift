import FlyingFox
import Foundation
import LoopbackHTTP
import OAuth

/// The loopback redirect endpoint of a browser sign-in (RFC 8252 section 7.3): FlyingFox on 127.0.0.1 only (never
/// `.loopback`, which is ::1), `GET <path>` (`RedirectPath`), for as long as one sign-in lasts.
final class CallbackServer: Sendable {
    let port: UInt16
    let path: String
    private let server: LoopbackHTTPServer
    private let task: Task<Void, any Error>

    var redirectURI: String { "http://127.0.0.1:\(port)\(path)" }

    private init(server: LoopbackHTTPServer, task: Task<Void, any Error>, path: String) {
        self.server = server
        self.task = task
        self.port = server.port
        self.path = path
    }

    enum StartError: Error {
        /// The port is taken (or not ours to bind).
        case cannotListen(port: UInt16, reason: String)
    }

    /// Listens on 127.0.0.1:`port` (0: a free port) and hands every request to `inbox`. `handlerTimeout` bounds how
    /// long the browser waits for its page (the code exchange happens meanwhile). `LoopbackHTTPServer` bounds the
    /// rest (`limits`, standard unless a test injects short ones): a head over 16 KiB or slower than 10 s is cut
    /// off, a `Host` other than 127.0.0.1:PORT or localhost:PORT gets 421 and never reaches `inbox`.
    static func start(
        port: UInt16, path: String = RedirectPath.fixed, inbox: CallbackInbox, handlerTimeout: TimeInterval,
        limits: RequestLimits? = nil
    ) async throws -> CallbackServer {
        var routes = RoutedHTTPHandler()
        routes.appendRoute(HTTPRoute("GET \(path)")) { request in
            let query = AuthorizationResponse.parameters(query: request.target.query(percentEncoded: true))
            let (status, body) = CallbackPage.html(await inbox.receive(query: query))
            return page(status, body)
        }
        routes.appendRoute("*") { _ in page(404, CallbackPage.notFound) }
        let handlerTime = Duration.milliseconds(Int64((min(max(handlerTimeout, 0.001), 86_400) * 1000).rounded()))
        let server: LoopbackHTTPServer
        do {
            server = try LoopbackHTTPServer(
                port: port, limits: limits ?? .standard(handlerTime: handlerTime), handler: routes)
        } catch {
            throw StartError.cannotListen(port: port, reason: error.reason)
        }
        return CallbackServer(server: server, task: Task { try await server.run() }, path: path)
    }

    /// Stops listening, after the pages being written are out (at most a second).
    func stop() async {
        await server.finishing(grace: .seconds(1))
        task.cancel()
        _ = await task.result
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
