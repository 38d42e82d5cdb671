import FlyingFox
import Foundation
import OAuth
import Testing

/// What one refresh against a fake endpoint produced, and what the endpoint saw.
struct Exchange: Sendable {
    var outcome: Result<TokenResponse, TokenEndpointError>
    var received: [ReceivedRequest]

    static func defaultRequest(_ endpoint: URL) -> RefreshRequest {
        RefreshRequest(tokenEndpoint: endpoint, refreshToken: "rt-old", clientID: "client-1")
    }

    /// Starts an endpoint answering with `respond`, refreshes once, and stops the endpoint.
    static func refresh(
        timeout: TimeInterval = 5, request: (URL) -> RefreshRequest = defaultRequest,
        respond: @escaping @Sendable (ReceivedRequest) async throws -> HTTPResponse
    ) async throws -> Exchange {
        let endpoint = try await FakeTokenEndpoint.start(respond)
        let client = TokenClient(timeout: timeout)
        let outcome: Result<TokenResponse, TokenEndpointError>
        do {
            outcome = .success(try await client.refresh(request(endpoint.url)))
        } catch let error as TokenEndpointError {
            outcome = .failure(error)
        } catch {
            await endpoint.stop()
            throw error
        }
        let received = endpoint.received
        await endpoint.stop()
        return Exchange(outcome: outcome, received: received)
    }

    static func tokens(_ reply: HTTPResponse) async throws -> TokenResponse {
        try await refresh { _ in reply }.outcome.get()
    }

    static func failure(_ reply: HTTPResponse, timeout: TimeInterval = 5) async throws -> TokenEndpointError {
        try await refresh(timeout: timeout) { _ in reply }.failure
    }

    /// The one request the endpoint saw.
    var request: ReceivedRequest {
        get throws { try #require(received.count == 1 ? received.first : nil) }
    }

    var failure: TokenEndpointError {
        get throws {
            switch outcome {
            case .failure(let error): return error
            case .success(let response):
                Issue.record("expected a failure, got \(response)")
                throw ExpectedFailure()
            }
        }
    }

    struct ExpectedFailure: Error {}
}
