import Foundation

/// Why a token request did not produce tokens. Callers branch on `kind`, `status` and `code`, never on text.
public struct TokenEndpointError: Error, Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// No HTTP answer: refused, reset, DNS, TLS.
        case network
        /// The overall deadline passed.
        case timeout
        /// An HTTP answer that is not a token response; `status`, `code` and `errorDescription` say more.
        case http
        /// A 2xx answer whose body is not a usable token response.
        case malformedResponse
    }

    public var kind: Kind
    public var status: Int?
    /// RFC 6749 section 5.2 `error`, e.g. `invalid_grant`.
    public var code: String?
    /// The provider's `error_description`, kept for the log.
    public var errorDescription: String?
    /// The raw `Retry-After` header.
    public var retryAfter: String?
    /// What we saw, in our words ("connection refused", "HTML page of 2 KiB").
    public var detail: String?

    public init(
        kind: Kind, status: Int? = nil, code: String? = nil, errorDescription: String? = nil,
        retryAfter: String? = nil, detail: String? = nil
    ) {
        self.kind = kind
        self.status = status
        self.code = code
        self.errorDescription = errorDescription
        self.retryAfter = retryAfter
        self.detail = detail
    }

    public static func network(_ detail: String) -> Self { .init(kind: .network, detail: detail) }
    public static func timeout(after seconds: Double) -> Self {
        .init(kind: .timeout, detail: "no answer within \(seconds.formatted())s")
    }
}

extension TokenEndpointError: CustomStringConvertible {
    /// One line for logs and the dashboard: `HTTP 400 invalid_grant: Refresh token revoked`.
    public var description: String {
        var parts: [String] = []
        switch kind {
        case .network: parts.append("network error")
        case .timeout: parts.append("timeout")
        case .http, .malformedResponse: if let status { parts.append("HTTP \(status)") }
        }
        if let code { parts.append(code) }
        var text = parts.joined(separator: " ")
        let extra = [errorDescription, detail].compactMap { $0 }.filter { !$0.isEmpty }
        if !extra.isEmpty { text += ": " + extra.joined(separator: "; ") }
        return text
    }
}
