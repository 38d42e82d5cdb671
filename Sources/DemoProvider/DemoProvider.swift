import FlyingFox
import Foundation
import OAuth
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// What `mintSession(for:)` hands out: the tokens of a completed sign-in, and how to refresh them.
public struct DemoSession: Sendable, Equatable {
    public var server: String
    public var token: TokenResponse
    public var clientID: String
    public var tokenEndpoint: URL
    /// The MCP endpoint, as an RFC 8707 resource indicator.
    public var resource: String
    public var issuedAt: Date
}

public enum DemoProviderError: Error, Equatable, CustomStringConvertible {
    case unknownServer(String)
    case notListening

    public var description: String {
        switch self {
        case .unknownServer(let name): "the demo scenario has no server named '\(name)'"
        case .notListening: "the demo provider is not listening"
        }
    }
}

/// An OAuth authorization server and an MCP endpoint on 127.0.0.1 (an ephemeral port), with scripted behaviour
/// per server: what `oauthtop demo` runs against.
///
/// Serves `/.well-known/oauth-authorization-server` (RFC 8414), `/.well-known/oauth-protected-resource/mcp`
/// (RFC 9728), `/authorize` (auto-approved, PKCE S256 required), `/token` (authorization code and refresh token),
/// `/register` (RFC 7591, public clients), `/revoke` (RFC 7009) and `POST /mcp` (401 with `WWW-Authenticate`
/// without a valid bearer token, the `initialize` result with one).
public final class DemoProvider: Sendable {
    public let scenario: DemoScenario
    private let authority: DemoAuthority
    private let server: HTTPServer
    private let runner = Mutex<Task<Void, Never>?>(nil)
    private let base = Mutex<URL?>(nil)

    /// - Parameter now: The provider's clock (tests move it by hand).
    public init(scenario: DemoScenario = .standard(), now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.scenario = scenario
        authority = DemoAuthority(scenario: scenario, now: now)
        // `.inet(ip4:)`: `.loopback` would bind ::1 only.
        server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), timeout: 10, logger: .disabled)
    }

    /// Starts listening and returns the issuer URL, `http://127.0.0.1:PORT`.
    @discardableResult
    public func start() async throws -> URL {
        if let url = base.withLock({ $0 }) { return url }
        await routes()
        let server = self.server
        let task = Task { _ = try? await server.run() }
        runner.withLock { $0 = task }
        try await server.waitUntilListening()
        guard case .ip4(_, let port)? = await server.listeningAddress else { throw DemoProviderError.notListening }
        let url = URL(string: "http://127.0.0.1:\(port)")!
        await authority.setIssuer(url.absoluteString)
        base.withLock { $0 = url }
        return url
    }

    /// Closes the listener and every connection at once.
    public func stop() async {
        await server.stop(timeout: 0)
        runner.withLock { $0?.cancel() }
    }

    /// The issuer URL once started.
    public var baseURL: URL? { base.withLock { $0 } }

    /// The MCP endpoint every demo server shares; the token endpoint tells the servers apart by client.
    public var mcpURL: URL? { baseURL?.appendingPathComponent("mcp") }

    /// The tokens of a sign-in to `server`, as if a browser had approved it: lets the demo import sessions.
    public func mintSession(for server: String) async throws -> DemoSession {
        guard baseURL != nil else { throw DemoProviderError.notListening }
        return try await authority.mint(server: server)
    }

    /// Plays the user's browser: opens the authorization URL, which this provider approves at once, and follows
    /// the redirect back to the client's loopback callback.
    public func followAuthorization(_ url: URL) async {
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        _ = try? await session.data(from: url)
    }

    private func routes() async {
        let authority = self.authority
        await server.appendRoute("GET /.well-known/oauth-authorization-server") { _ in
            await authority.metadata().http
        }
        await server.appendRoute("GET /.well-known/oauth-protected-resource/mcp") { _ in
            await authority.protectedResource().http
        }
        await server.appendRoute("GET /authorize") { request in
            var query: [String: String] = [:]
            for item in request.query where query[item.name] == nil { query[item.name] = item.value }
            return await authority.authorize(query).http
        }
        let latency = scenario.tokenLatency
        await server.appendRoute("POST /token") { request in
            if latency > 0 { try await Task.sleep(for: .seconds(latency)) }
            return await authority.token(DemoAuthority.form(try await request.bodyData)).http
        }
        await server.appendRoute("POST /register") { request in
            await authority.register(try await request.bodyData).http
        }
        await server.appendRoute("POST /revoke") { request in
            await authority.revoke(DemoAuthority.form(try await request.bodyData)).http
        }
        await server.appendRoute("POST /mcp") { request in
            await authority.mcp(authorization: request.headers[.authorization], body: try await request.bodyData).http
        }
    }
}
