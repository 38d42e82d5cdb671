import Foundation

/// What came back from a provider endpoint, before interpretation.
struct HTTPAnswer: Equatable, Sendable {
    var status: Int
    var contentType: String?
    /// Verbatim.
    var retryAfter: String?
    var location: String?
    /// Verbatim; RFC 6750 section 3 challenges (a 401 from an MCP server).
    var wwwAuthenticate: String?
    /// Verbatim: the server's clock (RFC 9110 `Date`), for `oauthtop doctor`'s clock check.
    var date: String?
    /// The MCP Streamable HTTP session a server opened in answer to `initialize`.
    var mcpSessionID: String?
    /// Empty when `bodyOverLimit`: the rest was never read.
    var body = Data()
    var bodyOverLimit = false

    static let bodyLimit = 1 << 20
}
