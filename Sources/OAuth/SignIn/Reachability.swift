import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `oauthtop doctor`'s question to a provider: does this URL answer at all, and what time does the server say it
/// is. Any HTTP status counts as an answer (an MCP server says 401 without a token, a token endpoint 405 to a GET);
/// only no answer, a refused cleartext URL or the deadline fail.
public final class Reachability: Sendable {
    public struct Answer: Sendable, Equatable {
        public var status: Int
        /// The server's `Date` header, when it sent one that parses.
        public var serverDate: Date?
    }

    private let wire: WireSession

    public init(timeout: TimeInterval = 10, userAgent: String = "oauthtop/0.1") {
        wire = WireSession(timeout: timeout, userAgent: userAgent)
    }

    /// A GET of `url`; the first bytes of a streamed answer are enough.
    public func ask(_ url: URL, what: String) async throws(SignInError) -> Answer {
        if let problem = SecureTransport.problem(with: url, what: what) { throw .configuration(problem) }
        let request = wire.request(url, method: "GET", accept: "application/json, text/event-stream")
        let answer: HTTPAnswer
        do {
            answer = try await wire.send(request, isComplete: { _, _ in true })
        } catch {
            throw Discovery.failure(error, step: what + " " + url.absoluteString)
        }
        return Answer(status: answer.status, serverDate: answer.date.flatMap(Self.httpDate))
    }

    /// RFC 9110 section 5.6.7: `Sun, 06 Nov 1994 08:49:37 GMT` (the only form a sender may generate).
    public static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.date(from: text)
    }
}
