import OAuth
import Testing

@testable import SignIn

@Suite struct CallbackInboxTests {
    static let state = "lS3nVq0ZsK9d2cJ-8vXbR4tYwE1uHf6gA7mPoNiQzLk"
    static let code = "c7e1f0a9b2d84c6e9f3a5b7d1c0e2f4a"

    @Test func wrongOrMissingStateIsRefusedAndTheSignInGoesOn() async throws {
        let inbox = CallbackInbox(expectedState: Self.state)
        let almost = String(Self.state.dropLast()) + "x"
        #expect(await inbox.receive(query: ["state": almost, "code": Self.code]) == .wrongState)
        #expect(await inbox.receive(query: ["state": Self.state + "x", "code": Self.code]) == .wrongState)
        #expect(await inbox.receive(query: ["code": Self.code]) == .wrongState)
        #expect(await inbox.wrongStateCount == 3)
        let browser = Task { await inbox.receive(query: ["state": Self.state, "code": Self.code]) }
        #expect(try await inbox.response().response == .code(Self.code))
        await inbox.finish(.signedIn(server: "jira"))
        #expect(await browser.value == .page(.signedIn(server: "jira")))
        #expect(await inbox.receive(query: ["state": Self.state, "code": "a-second-code"]) == .alreadyHandled)
    }

    @Test func aTimeoutEndsTheWaitUnlessARedirectCameFirst() async throws {
        let inbox = CallbackInbox(expectedState: Self.state)
        await inbox.fail(SignInError(.timedOut, "nobody came"))
        await #expect(throws: SignInError(.timedOut, "nobody came")) { try await inbox.response() }
        #expect(await inbox.receive(query: ["state": Self.state, "code": Self.code]) == .alreadyHandled)
    }

    @Test func constantTimeComparison() {
        #expect(CallbackInbox.constantTimeEqual(Self.state, Self.state))
        #expect(!CallbackInbox.constantTimeEqual(Self.state, String(Self.state.dropLast()) + "l"))
        #expect(!CallbackInbox.constantTimeEqual(Self.state, Self.state + "k"))
        #expect(!CallbackInbox.constantTimeEqual(Self.state, ""))
    }
}
