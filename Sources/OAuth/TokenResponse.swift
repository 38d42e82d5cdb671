import Foundation

/// A successful token endpoint answer (RFC 6749 section 5.1), already checked and normalised.
public struct TokenResponse: Sendable, Equatable {
    public var accessToken: String
    /// As sent; compare case-insensitively ("bearer" is common).
    public var tokenType: String
    /// `nil` when the provider sent none: keep the refresh token you have (RFC 6749 section 6).
    public var refreshToken: String?
    /// Seconds; `nil` when absent, which means "no known expiry".
    public var expiresIn: TimeInterval?
    public var scope: String?
    /// Lifetime of the refresh token when the provider says (`refresh_token_expires_in`, Intuit, GitHub apps).
    public var refreshTokenExpiresIn: TimeInterval?

    public init(
        accessToken: String, tokenType: String = "Bearer", refreshToken: String? = nil,
        expiresIn: TimeInterval? = nil, scope: String? = nil, refreshTokenExpiresIn: TimeInterval? = nil
    ) {
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.refreshToken = refreshToken
        self.expiresIn = expiresIn
        self.scope = scope
        self.refreshTokenExpiresIn = refreshTokenExpiresIn
    }
}

extension TokenResponse: CustomStringConvertible {
    public var description: String {
        "TokenResponse(token_type: \(tokenType), expires_in: \(expiresIn.map { "\($0)" } ?? "none"), "
            + "refresh_token: \(refreshToken == nil ? "absent" : "present"), scope: \(scope ?? "none"))"
    }
}
