import Foundation
import LoopbackHTTP
import OAuth
import OAuthTopTesting
import Testing

@testable import SignIn

/// The callback server under junk (docs/security.md, "Loopback servers"): raw sockets against the real server.
@Suite struct CallbackServerBoundsTests {
    static let state = OAuthState.generate()
    static func callback(_ code: String) -> String { "/callback?code=\(code)&state=\(state)" }
    /// Short limits, so no test waits long: 16 KiB of head within 300 ms, 8 connections waiting.
    static let limits = RequestLimits(
        headBytes: 16 * 1024, headTime: .milliseconds(300), handlerTime: .seconds(10), waitingConnections: 8)
    static func start(_ inbox: CallbackInbox, limits: RequestLimits = limits) async throws -> CallbackServer {
        try await CallbackServer.start(port: 0, inbox: inbox, handlerTimeout: 10, limits: limits)
    }

    @Test func anOversizedHeadIsRefusedAndClosed() async throws {
        let inbox = CallbackInbox(expectedState: Self.state)
        let server = try await Self.start(inbox)
        defer { Task { await server.stop() } }
        let junk = String(repeating: "a", count: 20_000)
        let headers = try await RawConnection.exchange(
            port: server.port, "GET /elsewhere HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nX-Junk: \(junk)\r\n\r\n",
            for: .seconds(10))
        #expect(headers.closed)
        #expect(!headers.text.contains("oauthtop only answers"), "refused before any handler")
        #expect(headers.text.isEmpty || headers.text.hasPrefix("HTTP/1.1 431 "), "\(headers.text.prefix(80))")
        // A request line that never ends is cut off at the limit, not read for ever.
        let line = try await RawConnection.exchange(
            port: server.port, "GET /callback?\(junk)\(junk)", for: .seconds(10))
        #expect(line.closed)
        #expect(line.text.isEmpty || line.text.hasPrefix("HTTP/1.1 431 "), "\(line.text.prefix(80))")
    }

    @Test func halfARequestIsCutOffWithinTheLimit() async throws {
        let inbox = CallbackInbox(expectedState: Self.state)
        let server = try await Self.start(inbox)
        defer { Task { await server.stop() } }
        let half = try await RawConnection.exchange(
            port: server.port, "GET \(Self.callback("x")) HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\n",
            for: .seconds(10))
        #expect(half.closed, "a stalled client is cut off")
        #expect(half.elapsed < .seconds(8), "the limit is 300 ms; the rest is slack for a loaded machine")
        #expect(half.text.isEmpty)
    }

    @Test func aWrongHostGetsNothingAndLeavesTheCallbackAlone() async throws {
        let inbox = CallbackInbox(expectedState: Self.state)
        let server = try await Self.start(inbox)
        defer { Task { await server.stop() } }
        let port = server.port
        for host in ["Host: rebind.example:\(port)", "Host: 127.0.0.1:1", "Host: localhost", "X-No-Host: 1"] {
            let answer = try await RawConnection.exchange(
                port: port, "GET \(Self.callback("stolen")) HTTP/1.1\r\n\(host)\r\n\r\n", for: .seconds(10))
            #expect(answer.text.hasPrefix("HTTP/1.1 421 "), "\(host): \(answer.text.prefix(80))")
            #expect(!answer.text.contains("oauthtop:"), "\(host): no page")
            #expect(answer.closed)
        }
        let twoHosts = try await RawConnection.exchange(
            port: port, "GET /x HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nHost: rebind.example\r\n\r\n", for: .seconds(10))
        #expect(twoHosts.text.hasPrefix("HTTP/1.1 400 "), "\(twoHosts.text.prefix(80))")
        let named = try await RawConnection.exchange(
            port: port, "GET /elsewhere HTTP/1.1\r\nHost: LOCALHOST:\(port)\r\n\r\n", for: .seconds(10))
        #expect(named.text.hasPrefix("HTTP/1.1 404 ") && named.text.contains("oauthtop only answers"))
        // The real browser's redirect is the one the sign-in gets.
        let browser = Task { try await CallbackServerTests.get("http://127.0.0.1:\(port)" + Self.callback("real")) }
        #expect(try await inbox.response().response == .code("real"))
        await inbox.finish(.signedIn(server: "jira"))
        let (status, page, _) = try await browser.value
        #expect(status == 200 && page.contains("<title>oauthtop: Signed in</title>"))
    }

    @Test func theCallbackIsServedWhileStalledConnectionsAreOpen() async throws {
        let inbox = CallbackInbox(expectedState: Self.state)
        // Stalled connections are not cut off by time during this test: only the cap makes room.
        var limits = Self.limits
        limits.headTime = .seconds(30)
        let server = try await Self.start(inbox, limits: limits)
        defer { Task { await server.stop() } }
        var stalled: [RawConnection] = []
        for _ in 0..<24 {
            let connection = try RawConnection(port: server.port)
            connection.send("GET /callback HTTP/1.1\r\nHo")
            stalled.append(connection)
        }
        let browser = Task {
            try await CallbackServerTests.get("http://127.0.0.1:\(server.port)" + Self.callback("real"))
        }
        #expect(try await inbox.response().response == .code("real"))
        await inbox.finish(.signedIn(server: "jira"))
        let (status, _, _) = try await browser.value
        #expect(status == 200)
        // The longest-waiting ones made room: the server closed them, the newest are still open.
        let oldest = await stalled[0].receive(for: .seconds(10))
        #expect(oldest.closed && oldest.text.isEmpty)
        withExtendedLifetime(stalled) {}
    }
}
