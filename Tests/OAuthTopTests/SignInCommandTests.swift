import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import OAuth
import Testing

@testable import oauthtop

@Suite struct CallbackInboxTests {
    @Test func wrongOrMissingStateIsRefusedAndTheSignInGoesOn() async throws {
        let inbox = CallbackInbox(expectedState: "right")
        #expect(await inbox.receive(query: ["state": "wrong", "code": "c"]) == .wrongState)
        #expect(await inbox.receive(query: ["code": "c"]) == .wrongState)
        #expect(await inbox.wrongStateCount == 2)
        let browser = Task { await inbox.receive(query: ["state": "right", "code": "c-1"]) }
        #expect(try await inbox.response() == .code("c-1"))
        await inbox.finish(.signedIn(server: "jira"))
        #expect(await browser.value == .page(.signedIn(server: "jira")))
        #expect(await inbox.receive(query: ["state": "right", "code": "c-2"]) == .alreadyHandled)
    }

    @Test func aTimeoutEndsTheWaitUnlessARedirectCameFirst() async throws {
        let inbox = CallbackInbox(expectedState: "s")
        await inbox.fail(SignInError(.timedOut, "nobody came"))
        await #expect(throws: SignInError(.timedOut, "nobody came")) { try await inbox.response() }
        #expect(await inbox.receive(query: ["state": "s", "code": "late"]) == .alreadyHandled)
    }

    @Test func constantTimeComparison() {
        #expect(CallbackInbox.constantTimeEqual("abc", "abc"))
        #expect(!CallbackInbox.constantTimeEqual("abc", "abd"))
        #expect(!CallbackInbox.constantTimeEqual("abc", "abcd"))
    }
}

@Suite struct CallbackServerTests {
    static func get(_ url: String) async throws -> (Int, String, [String: String]) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        let http = try #require(response as? HTTPURLResponse)
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields { headers["\(name)".lowercased()] = "\(value)" }
        return (http.statusCode, String(decoding: data, as: UTF8.self), headers)
    }

    @Test func servesTheCallbackOn127001Only() async throws {
        let inbox = CallbackInbox(expectedState: "st")
        let server = try await CallbackServer.start(port: 0, inbox: inbox, handlerTimeout: 10)
        defer { Task { await server.stop() } }
        #expect(server.redirectURI == "http://127.0.0.1:\(server.port)/callback")
        let base = "http://127.0.0.1:\(server.port)"

        let (wrong, wrongPage, _) = try await Self.get(base + "/callback?state=nope&code=c")
        #expect(wrong == 400 && wrongPage.contains("Not this sign-in"))
        let (missing, _, _) = try await Self.get(base + "/elsewhere")
        #expect(missing == 404)

        let browser = Task { try await Self.get(base + "/callback?code=the-code&state=st") }
        #expect(try await inbox.response() == .code("the-code"))
        await inbox.finish(.signedIn(server: "jira <x>"))
        let (status, page, headers) = try await browser.value
        #expect(status == 200)
        #expect(page.contains("Signed in") && page.contains("jira &lt;x&gt;"))
        #expect(!page.contains("the-code") && !page.contains("st&"))
        #expect(headers["referrer-policy"] == "no-referrer" && headers["cache-control"] == "no-store")
    }

    @Test func aTakenPortIsAClearError() async throws {
        let inbox = CallbackInbox(expectedState: "st")
        let first = try await CallbackServer.start(port: 0, inbox: inbox, handlerTimeout: 10)
        defer { Task { await first.stop() } }
        await #expect(throws: CallbackServer.StartError.self) {
            _ = try await CallbackServer.start(port: first.port, inbox: inbox, handlerTimeout: 10)
        }
    }
}

@Suite struct BrowserAndExitCodeTests {
    @Test func browserCommandComesFromBROWSERThenXdgOpen() {
        #expect(BrowserOpener(environment: ["BROWSER": "firefox --new-tab:chromium", "PATH": "/nonexistent"]).command
            == "firefox --new-tab")
        #expect(BrowserOpener(environment: ["PATH": "/nonexistent"]).command == nil)
        #expect(BrowserOpener(environment: ["BROWSER": " ", "PATH": "/nonexistent"]).command == nil)
    }

    @Test func signInFailuresMapToDESIGNsExitCodes() {
        #expect(OAuthTop.Login.exit(for: .network) == .retryable)
        #expect(OAuthTop.Login.exit(for: .configuration) == .usage)
        for kind: SignInError.Kind in [.denied, .timedOut, .cancelled, .provider] {
            #expect(OAuthTop.Login.exit(for: kind) == .signIn)
        }
    }
}
