import DemoProvider
import Foundation
import OAuthTopTesting
import RefreshEngine
import SignIn
import Synchronization
import Testing
import TokenStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A demo provider on 127.0.0.1 (an ephemeral port) and the sign-in's store, on a clock the test moves; builds
/// `BrowserSignIn` services that sign in to its MCP endpoint as the server `demo`.
struct SignInHarness {
    static let server = "demo"

    let clock: ManualClock
    let provider: DemoProvider
    /// The provider's issuer, `http://127.0.0.1:PORT`.
    let base: URL
    let store = InMemoryTokenStore()
    let said = Lines()

    var mcp: String { base.absoluteString + "/mcp" }
    var definition: ServerDefinition { ServerDefinition(name: Self.server, url: mcp) }

    /// Runs `body` against a started provider and stops it afterwards.
    static func with(_ body: (SignInHarness) async throws -> Void) async throws {
        let clock = ManualClock()
        let provider = try DemoProvider(scenario: .standard(), now: { clock.now })
        let base = try await provider.start()
        let harness = SignInHarness(clock: clock, provider: provider, base: base)
        do {
            try await body(harness)
        } catch {
            await provider.stop()
            throw error
        }
        await provider.stop()
    }

    /// A sign-in to `demo` with `settings` (by default: only the MCP URL, so everything is discovered).
    func service(
        _ browser: TestBrowser, settings: SignInSettings? = nil, clock: (any EngineClock)? = nil
    ) -> BrowserSignIn {
        service(browser.browser, settings: settings, clock: clock)
    }

    func service(
        _ browser: BrowserSignIn.Browser, settings: SignInSettings? = nil, clock: (any EngineClock)? = nil
    ) -> BrowserSignIn {
        BrowserSignIn(
            servers: [Self.server: settings ?? SignInSettings(url: mcp)], records: store, browser: browser,
            requestTimeout: 10, clock: clock ?? self.clock, say: { [said] in said.append($0) })
    }

    /// Registers a client at the provider the way an administrator would, for `oauth.client_id`.
    func preRegisteredClient(name: String) async throws -> String {
        var request = URLRequest(url: base.appendingPathComponent("register"))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(#"{"client_name":"\#(name)","redirect_uris":["http://127.0.0.1/callback"]}"#.utf8)
        let (data, _) = try await URLSession.shared.data(for: request)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return try #require(object?["client_id"] as? String)
    }

    /// The MCP endpoint's status for an `initialize` with `accessToken`.
    func mcpStatus(accessToken: String) async throws -> Int {
        var request = URLRequest(url: URL(string: mcp)!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer " + accessToken, forHTTPHeaderField: "Authorization")
        request.httpBody = Data(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }
}

/// What the sign-in said to the person at the terminal.
final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// The authorization URLs a sign-in reported, and a way to wait for the first.
final class ReportedURLs: Sendable {
    private let urls = Mutex<[URL]>([])
    private let stream: AsyncStream<URL>
    private let continuation: AsyncStream<URL>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: URL.self)
    }

    var callback: @Sendable (URL) -> Void {
        { url in self.record(url) }
    }

    private func record(_ url: URL) {
        urls.withLock { $0.append(url) }
        continuation.yield(url)
    }

    var all: [URL] { urls.withLock { $0 } }

    func first() async -> URL? {
        for await url in stream { return url }
        return nil
    }
}

/// A clock whose every wait is over at once: the browser's time is up the moment the sign-in starts waiting.
final class ImpatientClock: EngineClock {
    let base: ManualClock
    private let requested = Mutex<[Double]>([])

    init(_ base: ManualClock) {
        self.base = base
    }

    /// Every wait asked for, in seconds.
    var waits: [Double] { requested.withLock { $0 } }

    var now: Date { base.now }
    var monotonic: Double { base.monotonic }
    var boottime: Double { base.boottime }

    func sleep(seconds: Double) async throws {
        requested.withLock { $0.append(seconds) }
    }
}
