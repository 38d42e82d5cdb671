import Foundation
import OAuth
import Testing

@testable import SignIn

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite struct CallbackServerTests {
    static let state = OAuthState.generate()
    static let code = DemoSecrets.hex(16)

    static func get(_ url: String) async throws -> (Int, String, [String: String]) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        let http = try #require(response as? HTTPURLResponse)
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields { headers["\(name)".lowercased()] = "\(value)" }
        return (http.statusCode, String(decoding: data, as: UTF8.self), headers)
    }

    @Test func servesTheCallbackOn127001Only() async throws {
        let inbox = CallbackInbox(expectedState: Self.state)
        let server = try await CallbackServer.start(port: 0, inbox: inbox, handlerTimeout: 10)
        defer { Task { await server.stop() } }
        #expect(server.redirectURI == "http://127.0.0.1:\(server.port)/callback")
        let base = "http://127.0.0.1:\(server.port)"

        let (wrong, wrongPage, _) = try await Self.get(
            base + "/callback?state=\(OAuthState.generate())&code=\(Self.code)")
        #expect(wrong == 400 && wrongPage.contains("<title>oauthtop: Not this sign-in</title>"))
        let (missing, missingPage, _) = try await Self.get(base + "/elsewhere")
        #expect(missing == 404 && missingPage.contains("oauthtop only answers at /callback."))

        let browser = Task { try await Self.get(base + "/callback?code=\(Self.code)&state=\(Self.state)") }
        #expect(try await inbox.response().response == .code(Self.code))
        await inbox.finish(.signedIn(server: "jira <x>"))
        let (status, page, headers) = try await browser.value
        #expect(status == 200)
        #expect(page.contains("<title>oauthtop: Signed in</title>"))
        #expect(page.contains("oauthtop is signed in to <b>jira &lt;x&gt;</b>."))
        #expect(!page.contains(Self.code) && !page.contains(Self.state))
        #expect(headers["referrer-policy"] == "no-referrer" && headers["cache-control"] == "no-store")
    }

    @Test func aTakenPortIsAClearError() async throws {
        let inbox = CallbackInbox(expectedState: Self.state)
        let first = try await CallbackServer.start(port: 0, inbox: inbox, handlerTimeout: 10)
        defer { Task { await first.stop() } }
        let error = await #expect(throws: CallbackServer.StartError.self) {
            _ = try await CallbackServer.start(port: first.port, inbox: inbox, handlerTimeout: 10)
        }
        guard case .cannotListen(let port, let reason)? = error else {
            Issue.record("expected cannotListen, got \(String(describing: error))")
            return
        }
        #expect(port == first.port)
        #expect(reason.contains("Address already in use"), "the system's reason (EADDRINUSE): \(reason)")
    }
}
