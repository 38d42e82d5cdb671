import Foundation
import OAuth

/// Where the loopback redirect meets the waiting sign-in. The first request that carries the right `state` is
/// handed to the sign-in, which later says what page the browser should see; requests with a wrong or missing
/// `state` are refused and do not end the sign-in (anyone on this machine can reach the port).
actor CallbackInbox {
    /// An accepted redirect: the code or error, and the `iss` it named (RFC 9207), if any.
    struct Redirect: Sendable, Equatable {
        var response: AuthorizationResponse
        var issuer: String?
    }

    /// What the browser is shown once the sign-in has dealt with its redirect.
    enum Page: Sendable, Equatable {
        case signedIn(server: String)
        case failed(String)
    }

    /// What the HTTP handler answers.
    enum Reply: Sendable, Equatable {
        case page(Page)
        /// A request without the sign-in's `state`: 400, the sign-in goes on.
        case wrongState
        /// The sign-in already took its redirect (a reload, a second tab).
        case alreadyHandled
    }

    private let expectedState: String
    private var received: Redirect?
    private var failure: SignInError?
    private var waiter: CheckedContinuation<Redirect, any Error>?
    private var page: Page?
    private var pageWaiters: [CheckedContinuation<Page, Never>] = []
    /// Refused requests, so the command can say why nothing happened.
    private(set) var wrongStateCount = 0
    private let onWrongState: @Sendable () -> Void

    init(expectedState: String, onWrongState: @escaping @Sendable () -> Void = {}) {
        self.expectedState = expectedState
        self.onWrongState = onWrongState
    }

    // MARK: The HTTP side

    /// Handles one request to the redirect URI. Waits, for an accepted one, until the sign-in has finished with it.
    func receive(query: [String: String]) async -> Reply {
        guard let state = query["state"], Self.constantTimeEqual(state, expectedState) else {
            wrongStateCount += 1
            onWrongState()
            return .wrongState
        }
        guard received == nil, failure == nil else { return .alreadyHandled }
        let response = Redirect(response: AuthorizationResponse(query: query), issuer: query["iss"])
        received = response
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: response)
        }
        if let page { return .page(page) }
        return .page(await withCheckedContinuation { pageWaiters.append($0) })
    }

    // MARK: The sign-in side

    /// The accepted redirect; throws the failure given to `fail` (a timeout, a cancellation) if that came first.
    func response() async throws -> Redirect {
        if let received { return received }
        if let failure { throw failure }
        return try await withCheckedThrowingContinuation { waiter = $0 }
    }

    /// Ends the wait with `error`, unless a redirect was accepted already.
    func fail(_ error: SignInError) {
        guard received == nil, failure == nil else { return }
        failure = error
        if let waiter {
            self.waiter = nil
            waiter.resume(throwing: error)
        }
    }

    /// What the browser sees; releases the waiting HTTP handler.
    func finish(_ page: Page) {
        guard self.page == nil else { return }
        self.page = page
        let waiting = pageWaiters
        pageWaiters.removeAll()
        for waiter in waiting { waiter.resume(returning: page) }
    }

    /// Compares without stopping at the first difference, so response time says nothing about the state.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
