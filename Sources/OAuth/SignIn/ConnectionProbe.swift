import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// What an MCP server said to our bearer token.
public enum ProbeResult: Sendable, Equatable {
    /// A 2xx answer to `initialize`: the token works.
    case connected
    /// 401: the token was refused; the `WWW-Authenticate` error (`invalid_token: …`) or `HTTP 401`.
    case unauthorized(error: String)
    /// 403 with `WWW-Authenticate: Bearer error="insufficient_scope"` (RFC 6750 section 3.1, MCP 2025-11-25
    /// "Scope Challenge Handling"): the token is good but the server wants more access. `scope`: the scopes it
    /// named (`nil` when it named none); `error`: the challenge's error and description.
    case insufficientScope(scope: String?, error: String)
    /// No usable answer: a short error for a summary (`Connection refused`) and the full one.
    case unreachable(summary: String, detail: String)
}

extension ProbeResult {
    /// The same result with its server text passed through `ProviderText.scrub`.
    public func scrubbed(knownSecrets: [String?]) -> ProbeResult {
        let scrub = { (text: String) in ProviderText.scrub(text, knownSecrets: knownSecrets) }
        return switch self {
        case .connected: .connected
        case .unauthorized(let error): .unauthorized(error: scrub(error))
        case .insufficientScope(let scope, let error): .insufficientScope(scope: scope.map(scrub), error: scrub(error))
        case .unreachable(let summary, let detail): .unreachable(summary: scrub(summary), detail: scrub(detail))
        }
    }
}

/// Anything that can check a token against an MCP server: the HTTP probe in production, a script in tests.
public protocol ConnectionProber: Sendable {
    func probe(url: URL, accessToken: String, tokenType: String) async -> ProbeResult
}

/// The connection probe: an MCP `initialize` POST with the bearer token, `Accept: application/json,
/// text/event-stream`, read as JSON or as an SSE stream (stopping at the first complete event, since a server may
/// keep the stream open), all within an overall deadline. A session the server opened is closed with DELETE.
public final class ConnectionProbe: ConnectionProber {
    public static let protocolVersion = "2025-06-18"
    static let initializeBody =
        #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"\#(protocolVersion)","#
        + #""capabilities":{},"clientInfo":{"name":"oauthtop","version":"0.1"}}}"#

    private let wire: WireSession

    /// `timeout` bounds the whole probe.
    public init(timeout: TimeInterval = 10, userAgent: String = "oauthtop/0.1") {
        wire = WireSession(timeout: timeout, userAgent: userAgent)
    }

    public func probe(url: URL, accessToken: String, tokenType: String = "Bearer") async -> ProbeResult {
        var request = wire.request(url, method: "POST", accept: "application/json, text/event-stream")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        // RFC 6750: the scheme is Bearer whatever case the token endpoint used for token_type.
        request.setValue("Bearer " + accessToken, forHTTPHeaderField: "Authorization")
        request.httpBody = Data(Self.initializeBody.utf8)
        let answer: HTTPAnswer
        do {
            answer = try await wire.send(
                request,
                isComplete: { head, body in
                    Self.isEventStream(head.contentType) && SSE.firstEvent(in: body) != nil
                })
        } catch let error as TokenEndpointError {
            let short = error.detail ?? error.kind.rawValue
            return .unreachable(
                summary: short.prefix(1).uppercased() + short.dropFirst(),
                detail: "POST \(Self.shown(url)): \(error)")
        } catch {
            return .unreachable(summary: "Probe cancelled", detail: "POST \(Self.shown(url)): cancelled")
        }
        switch answer.status {
        case 200..<300:
            if let session = answer.mcpSessionID { await close(session, url: url, accessToken: accessToken) }
            return .connected
        case 401:
            // The challenge is the server's text: scrubbed of the token it was sent (and of any secret shape).
            let challenge = answer.wwwAuthenticate.flatMap(BearerChallenge.init(header:))
            let provided = { (text: String, limit: Int) in
                ProviderText.line(text, limit: limit, knownSecrets: [accessToken])
            }
            return .unauthorized(error: challenge?.summary.map { provided($0, 200) } ?? "HTTP 401")
        case 403:
            let challenge = answer.wwwAuthenticate.flatMap(BearerChallenge.init(header:))
            guard let challenge, challenge.error == "insufficient_scope" else { fallthrough }
            let provided = { (text: String, limit: Int) in
                ProviderText.line(text, limit: limit, knownSecrets: [accessToken])
            }
            let scope = challenge.scope.map { provided($0, 300) }.flatMap { $0.isEmpty ? nil : $0 }
            return .insufficientScope(scope: scope, error: challenge.summary.map { provided($0, 200) } ?? "HTTP 403")
        default:
            let body = ResponseBody(data: answer.body, contentType: answer.contentType)
            return .unreachable(
                summary: "MCP server answered HTTP \(answer.status)",
                detail: "POST \(Self.shown(url)): HTTP \(answer.status) (\(body.summary))")
        }
    }

    /// Ends the Streamable HTTP session `initialize` opened, so probes every few minutes leave nothing behind.
    private func close(_ session: String, url: URL, accessToken: String) async {
        var request = wire.request(url, method: "DELETE", accept: "application/json, text/event-stream")
        request.setValue("Bearer " + accessToken, forHTTPHeaderField: "Authorization")
        request.setValue(session, forHTTPHeaderField: "Mcp-Session-Id")
        request.setValue(Self.protocolVersion, forHTTPHeaderField: "MCP-Protocol-Version")
        _ = try? await wire.send(request, timeout: min(wire.timeout, 5))
    }

    static func isEventStream(_ contentType: String?) -> Bool {
        contentType?.lowercased().contains("text/event-stream") ?? false
    }

    /// The URL without query or fragment, for messages.
    static func shown(_ url: URL) -> String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "MCP server" }
        components.query = nil
        components.fragment = nil
        components.user = nil
        components.password = nil
        return components.string ?? "MCP server"
    }
}

/// Server-sent events (the `text/event-stream` answer of MCP Streamable HTTP).
enum SSE {
    /// The `data` of the first complete event (ended by a blank line) whose data is not empty, or `nil`.
    static func firstEvent(in body: Data) -> String? {
        let text = String(decoding: body, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        var data: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            if line.isEmpty {
                if !data.isEmpty { return data.joined(separator: "\n") }
                continue
            }
            if line.hasPrefix("data:") {
                var value = line.dropFirst(5)
                if value.first == " " { value = value.dropFirst() }
                data.append(value)
            }
        }
        return nil
    }
}
