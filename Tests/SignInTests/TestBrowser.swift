import Foundation
import OAuth
import SignIn
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Plays the user's browser over real HTTP on 127.0.0.1: opens the authorization URL without following redirects,
/// then goes where the provider's 302 points (or where the test's `Behaviour` says instead), and keeps every page
/// the callback server showed.
final class TestBrowser: Sendable {
    enum Behaviour: Sendable {
        /// Follow the provider's redirect back to the callback.
        case approve
        /// First visit the callback with another `state`, then follow the provider's redirect.
        case wrongStateFirst(String)
        /// Never ask the provider: come back with `error=access_denied` and this description.
        case deny(String)
        /// Follow the provider's redirect with the code replaced by this one.
        case forgeCode(String)
        /// Never open anything (the sign-in times out or is cancelled).
        case stayAway
    }

    struct Page: Sendable, Equatable {
        var status: Int
        var text: String
    }

    private final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
        // No state at all: Sendable in fact; NSObject subclasses cannot say so without @unchecked.
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
        ) {
            completionHandler(nil)
        }
    }

    let behaviour: Behaviour
    private let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
    private let visits = Mutex<[Task<Void, Never>]>([])
    private let shown = Mutex<[Page]>([])
    private let failures = Mutex<[String]>([])

    init(_ behaviour: Behaviour = .approve) {
        self.behaviour = behaviour
    }

    /// What `BrowserSignIn` hands the authorization URL to.
    var browser: BrowserSignIn.Browser {
        .automatic { url in
            let visit = Task { await self.visit(url) }
            self.visits.withLock { $0.append(visit) }
        }
    }

    /// The callback pages, in order, once every visit has ended; what went wrong on the way, if anything.
    func pages() async -> (pages: [Page], failures: [String]) {
        for visit in visits.withLock({ $0 }) { await visit.value }
        return (shown.withLock { $0 }, failures.withLock { $0 })
    }

    private func visit(_ authorizationURL: URL) async {
        do {
            switch behaviour {
            case .stayAway:
                return
            case .approve:
                try await show(try await providerRedirect(authorizationURL))
            case .wrongStateFirst(let state):
                let redirect = try await providerRedirect(authorizationURL)
                try await show(Self.replacing("state", with: state, in: redirect))
                try await show(redirect)
            case .deny(let description):
                let query = Self.query(of: authorizationURL)
                var callback = try Self.require(URLComponents(string: query["redirect_uri"] ?? ""))
                callback.percentEncodedQuery = FormEncoding.encode([
                    ("error", "access_denied"), ("error_description", description), ("state", query["state"] ?? ""),
                ])
                try await show(try Self.require(callback.url))
            case .forgeCode(let code):
                try await show(Self.replacing("code", with: code, in: try await providerRedirect(authorizationURL)))
            }
        } catch {
            failures.withLock { $0.append("\(error)") }
        }
    }

    /// The provider's answer to the authorization URL must be a redirect; its `Location`.
    private func providerRedirect(_ url: URL) async throws -> URL {
        let (_, response) = try await session.data(from: url)
        let http = try Self.require(response as? HTTPURLResponse)
        guard http.statusCode == 302, let location = http.value(forHTTPHeaderField: "Location") else {
            throw Unexpected(description: "the provider answered \(http.statusCode), not a redirect")
        }
        return try Self.require(URL(string: location))
    }

    private func show(_ url: URL) async throws {
        // Without keep-alive the callback server need not wait out its stop timeout for this connection.
        var request = URLRequest(url: url)
        request.setValue("close", forHTTPHeaderField: "Connection")
        let (data, response) = try await session.data(for: request)
        let http = try Self.require(response as? HTTPURLResponse)
        shown.withLock { $0.append(Page(status: http.statusCode, text: String(decoding: data, as: UTF8.self))) }
    }

    static func query(of url: URL) -> [String: String] {
        let query = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedQuery
        return AuthorizationResponse.parameters(query: query ?? "")
    }

    private static func replacing(_ name: String, with value: String, in url: URL) throws -> URL {
        var components = try require(URLComponents(url: url, resolvingAgainstBaseURL: false))
        let pairs = FormEncoding.decode(components.percentEncodedQuery ?? "").map { $0.0 == name ? ($0.0, value) : $0 }
        components.percentEncodedQuery = FormEncoding.encode(pairs)
        return try require(components.url)
    }

    private struct Unexpected: Error, CustomStringConvertible {
        var description: String
    }

    private static func require<T>(_ value: T?) throws -> T {
        guard let value else { throw Unexpected(description: "unexpected nil \(T.self)") }
        return value
    }
}
