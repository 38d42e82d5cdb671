import FlyingFox
import Foundation
import Testing

@testable import OAuth

@Suite struct ConnectionProbeTests {
    static let initializeResult =
        #"{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capabilities":{},"serverInfo":{"name":"x","version":"1"}}}"#

    static func probe(
        timeout: TimeInterval = 5, accessToken: String = "at-probe",
        _ respond: @escaping @Sendable (ReceivedRequest) async throws -> HTTPResponse
    ) async throws -> (ProbeResult, [ReceivedRequest]) {
        let server = try await FakeTokenEndpoint.start(respond)
        defer { Task { await server.stop() } }
        let result = await ConnectionProbe(timeout: timeout).probe(
            url: URL(string: "http://127.0.0.1:\(server.port)/mcp")!, accessToken: accessToken, tokenType: "bearer")
        return (result, server.received)
    }

    @Test func jsonAnswerIsConnectedAndTheRequestIsAnInitializeWithTheBearer() async throws {
        let (result, received) = try await Self.probe { _ in Reply.json(Self.initializeResult) }
        #expect(result == .connected)
        let request = try #require(received.first)
        #expect(request.method == "POST")
        #expect(request.headers["authorization"] == "Bearer at-probe")
        #expect(request.headers["accept"] == "application/json, text/event-stream")
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.body.contains(#""method":"initialize""#))
    }

    @Test func sseAnswerLeftOpenIsConnectedAtTheFirstEvent() async throws {
        let started = ContinuousClock.now
        let event = Array("event: message\ndata: \(Self.initializeResult)\n\n".utf8)
        let (result, _) = try await Self.probe(timeout: 30) { _ in
            // An event every half second for 50 s: the probe must stop at the first (after 0.5 s), not wait for the
            // end or the 30 s deadline.
            Reply.streamed(
                200, PacedBytes(chunk: event, count: 100, pause: .milliseconds(500)),
                headers: ["Content-Type": "text/event-stream"])
        }
        #expect(result == .connected)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func sessionIsClosedWithDelete() async throws {
        let (result, received) = try await Self.probe { request in
            request.method == "DELETE"
                ? Reply.json(200, "{}") : Reply.json(Self.initializeResult, headers: ["Mcp-Session-Id": "s-1"])
        }
        #expect(result == .connected)
        let delete = try #require(received.last)
        #expect(delete.method == "DELETE" && delete.headers["mcp-session-id"] == "s-1")
        #expect(delete.headers["authorization"] == "Bearer at-probe")
    }

    @Test func unauthorizedCarriesTheChallengesError() async throws {
        let (result, _) = try await Self.probe { _ in
            Reply.json(
                401, "{}", headers: ["WWW-Authenticate": #"Bearer error="invalid_token", error_description="expired""#])
        }
        #expect(result == .unauthorized(error: "invalid_token: expired"))
        let (bare, _) = try await Self.probe { _ in Reply.json(401, "{}") }
        #expect(bare == .unauthorized(error: "HTTP 401"))
    }

    @Test func forbiddenWithInsufficientScopeNamesTheScopeWanted() async throws {
        let (result, _) = try await Self.probe { _ in
            Reply.json(
                403, "{}",
                headers: [
                    "WWW-Authenticate":
                        #"Bearer error="insufficient_scope", scope="files:read files:write", error_description="needs files""#
                ])
        }
        #expect(result == .insufficientScope(scope: "files:read files:write", error: "insufficient_scope: needs files"))
        let (noScope, _) = try await Self.probe { _ in
            Reply.json(403, "{}", headers: ["WWW-Authenticate": #"Bearer error="insufficient_scope""#])
        }
        #expect(noScope == .insufficientScope(scope: nil, error: "insufficient_scope"))
        let (plain, _) = try await Self.probe { _ in
            Reply.json(403, "{}", headers: ["WWW-Authenticate": #"Bearer error="invalid_token""#])
        }
        guard case .unreachable(let summary, _) = plain else { Issue.record("\(plain)"); return }
        #expect(summary == "MCP server answered HTTP 403")
    }

    @Test func otherStatusesAndSilenceAreUnreachable() async throws {
        let (status, _) = try await Self.probe { _ in Reply.html(503, bytes: 100) }
        guard case .unreachable(let summary, let detail) = status else { Issue.record("\(status)"); return }
        #expect(summary == "MCP server answered HTTP 503")
        #expect(detail.contains("HTTP 503") && !detail.contains("at-probe"))

        let (slow, _) = try await Self.probe(timeout: 0.5) { _ in
            try await Task.sleep(for: .seconds(3))
            return Reply.json(Self.initializeResult)
        }
        guard case .unreachable(let slowSummary, _) = slow else { Issue.record("\(slow)"); return }
        #expect(slowSummary.hasPrefix("No answer within 0.5s"))
    }

    @Test func connectionRefused() async throws {
        let server = try await FakeTokenEndpoint.start { _ in Reply.json("{}") }
        await server.stop()
        let result = await ConnectionProbe(timeout: 2).probe(
            url: URL(string: "http://127.0.0.1:\(server.port)/mcp?key=x")!, accessToken: "at", tokenType: "Bearer")
        #expect(
            result
                == .unreachable(
                    summary: "Connection refused",
                    detail: "POST http://127.0.0.1:\(server.port)/mcp: network error: connection refused"))
    }

    @Test func sseFirstEvent() {
        #expect(SSE.firstEvent(in: Data("data: a\n".utf8)) == nil)
        #expect(SSE.firstEvent(in: Data(": ping\n\nevent: m\r\ndata: a\r\ndata:b\r\n\r\n".utf8)) == "a\nb")
    }
}
