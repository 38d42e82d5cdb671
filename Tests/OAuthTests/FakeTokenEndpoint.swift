import FlyingFox
import FlyingSocks
import Foundation
import OAuth
import Synchronization

/// One request as the fake endpoint saw it.
struct ReceivedRequest: Sendable {
    var method: String
    var path: String
    /// Names lowercased.
    var headers: [String: String]
    var body: String

    /// The `Authorization: Basic` credentials, base64-decoded but not form-decoded.
    var basicCredentials: String? {
        guard let value = headers["authorization"], value.hasPrefix("Basic "),
            let data = Data(base64Encoded: String(value.dropFirst(6)))
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A token endpoint on 127.0.0.1 with an ephemeral port, answering every request with `respond`.
final class FakeTokenEndpoint: Sendable {
    let url: URL
    let port: UInt16
    private let server: HTTPServer
    private let task: Task<Void, any Error>
    private let recorder: Recorder

    /// Every request so far, in arrival order.
    var received: [ReceivedRequest] { recorder.log.withLock { $0 } }

    private init(server: HTTPServer, task: Task<Void, any Error>, port: UInt16, recorder: Recorder) {
        self.server = server
        self.task = task
        self.port = port
        self.url = URL(string: "http://127.0.0.1:\(port)/token")!
        self.recorder = recorder
    }

    static func start(
        _ respond: @escaping @Sendable (ReceivedRequest) async throws -> HTTPResponse
    ) async throws -> FakeTokenEndpoint {
        let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), timeout: 10, logger: .disabled)
        let recorder = Recorder()
        await server.appendRoute("/*") { request in
            var headers: [String: String] = [:]
            for (name, value) in request.headers { headers[name.rawValue.lowercased()] = value }
            let received = ReceivedRequest(
                method: request.method.rawValue, path: request.path, headers: headers,
                body: String(decoding: try await request.bodyData, as: UTF8.self))
            recorder.append(received)
            return try await respond(received)
        }
        let task = Task { try await server.run() }
        try await server.waitUntilListening()
        guard case .ip4(_, let port)? = await server.listeningAddress else {
            task.cancel()
            throw CocoaError(.featureUnsupported)
        }
        return FakeTokenEndpoint(server: server, task: task, port: port, recorder: recorder)
    }

    func stop() async {
        await server.stop(timeout: 0)
        task.cancel()
    }

    /// Lets the route closure log before the endpoint object exists.
    private final class Recorder: Sendable {
        let log = Mutex<[ReceivedRequest]>([])
        func append(_ request: ReceivedRequest) { log.withLock { $0.append(request) } }
    }
}
