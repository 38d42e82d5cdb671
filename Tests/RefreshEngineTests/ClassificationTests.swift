import Foundation
import OAuth
import Testing

@testable import RefreshEngine

/// DESIGN.md section 2's classification: retryable or permanent, and the metric `result` label.
@Suite struct ClassificationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var error: TokenEndpointError
        var retryable: Bool
        var result: RefreshResult
        var testDescription: String { "\(error) -> \(retryable ? "retry" : "permanent") \(result.rawValue)" }
    }

    static func http(_ status: Int, _ code: String? = nil) -> TokenEndpointError {
        TokenEndpointError(kind: .http, status: status, code: code)
    }

    static let cases: [Case] = [
        Case(error: .network("connection refused"), retryable: true, result: .failedNetwork),
        Case(error: .timeout(after: 30), retryable: true, result: .failedNetwork),
        Case(error: http(500), retryable: true, result: .failedOther),
        Case(error: http(502), retryable: true, result: .failedOther),
        Case(error: http(503), retryable: true, result: .failedOther),
        Case(error: http(429), retryable: true, result: .failedOther),
        Case(error: http(400, "temporarily_unavailable"), retryable: true, result: .failedOther),
        Case(error: http(400, "server_error"), retryable: true, result: .failedOther),
        Case(
            error: .init(kind: .malformedResponse, status: 200, detail: "HTML page"), retryable: true,
            result: .failedOther),
        Case(error: http(404), retryable: true, result: .failedOther),
        Case(error: http(400, "invalid_grant"), retryable: false, result: .failedInvalidGrant),
        Case(error: http(401, "invalid_grant"), retryable: false, result: .failedInvalidGrant),
        Case(error: http(200, "invalid_grant"), retryable: false, result: .failedInvalidGrant),
        Case(error: http(401, "invalid_client"), retryable: false, result: .failedOther),
        Case(error: http(400, "unauthorized_client"), retryable: false, result: .failedOther),
        Case(error: http(400, "unsupported_grant_type"), retryable: false, result: .failedOther),
        Case(error: http(400, "invalid_scope"), retryable: false, result: .failedOther),
        Case(error: http(400, "invalid_request"), retryable: false, result: .failedOther),
        Case(error: http(400), retryable: false, result: .failedOther),
        Case(error: http(401), retryable: false, result: .failedOther),
        Case(error: http(403), retryable: false, result: .failedOther),
        Case(error: http(400, "INVALID_GRANT"), retryable: false, result: .failedInvalidGrant),
    ]

    @Test(arguments: cases)
    func classification(_ testCase: Case) {
        let verdict = RefreshPolicy.classify(testCase.error, now: Date())
        #expect(verdict.retryable == testCase.retryable)
        #expect(verdict.result == testCase.result)
    }

    @Test func retryAfterIsReadFromRetryableAnswers() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var error = Self.http(429)
        error.retryAfter = "120"
        #expect(RefreshPolicy.classify(error, now: now).retryAfter == 120)
        error.status = 503
        error.retryAfter = "Fri, 15 Jan 2027 08:02:00 GMT"
        #expect(RefreshPolicy.classify(error, now: now).retryAfter == 120)
    }

    @Test func errorTextNamesStatusCodeAndDescription() {
        let error = TokenEndpointError(
            kind: .http, status: 400, code: "invalid_grant", errorDescription: "Refresh token revoked")
        #expect(error.description == "HTTP 400 invalid_grant: Refresh token revoked")
        #expect(TokenEndpointError.network("connection refused").description == "network error: connection refused")
        #expect(TokenEndpointError.timeout(after: 30).description == "timeout: no answer within 30s")
    }
}
