import Foundation
import OAuth

extension RefreshPolicy {
    /// RFC 6749 section 5.2 codes that say this refresh token, client or request cannot succeed as it is.
    static let permanentCodes: Set<String> = [
        "invalid_grant", "invalid_client", "unauthorized_client", "unsupported_grant_type", "invalid_scope",
        "invalid_request", "invalid_target",
    ]
    /// Codes some providers return from the token endpoint for passing trouble.
    static let transientCodes: Set<String> = ["temporarily_unavailable", "server_error"]

    /// DESIGN.md section 2: retryable versus permanent, and the metric label. Decided on status and code only.
    public static func classify(_ error: TokenEndpointError, now: Date) -> FailureClassification {
        let retryAfter = error.retryAfter.flatMap { RetryAfter.seconds(from: $0, now: now) }
        switch error.kind {
        case .network, .timeout:
            return FailureClassification(retryable: true, result: .failedNetwork)
        case .http, .malformedResponse:
            break
        }
        let code = error.code?.lowercased()
        if let code, transientCodes.contains(code) {
            return FailureClassification(retryable: true, result: .failedOther, retryAfter: retryAfter)
        }
        if code == "invalid_grant" {
            return FailureClassification(retryable: false, result: .failedInvalidGrant)
        }
        if let code, permanentCodes.contains(code) {
            return FailureClassification(retryable: false, result: .failedOther)
        }
        if let status = error.status, [400, 401, 403].contains(status) {
            return FailureClassification(retryable: false, result: .failedOther)
        }
        // 5xx, 429, a 2xx that is not a token response, and other statuses: the session may still be fine.
        return FailureClassification(retryable: true, result: .failedOther, retryAfter: retryAfter)
    }
}
