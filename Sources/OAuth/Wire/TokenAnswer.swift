import Foundation

/// The one place where wire answers become `TokenResponse` or `TokenEndpointError`.
///
/// Error text is built from the status, the content type, the size and the provider's own `error` and
/// `error_description`; the rest of the body is never quoted, and those two go through `ProviderText.scrub` with
/// the secrets of the request (`knownSecrets`), so tokens echoed by a server cannot leak into logs.
enum TokenAnswer {
    static let maxCodeLength = 100
    static let maxDescriptionLength = 500

    static func interpret(
        _ answer: HTTPAnswer, knownSecrets: [String?] = []
    ) throws(TokenEndpointError) -> TokenResponse {
        let success = (200..<300).contains(answer.status)
        func failure(_ detail: String) -> TokenEndpointError {
            TokenEndpointError(
                kind: success ? .malformedResponse : .http, status: answer.status, retryAfter: answer.retryAfter,
                detail: detail)
        }

        if answer.bodyOverLimit { throw failure("response body over 1 MiB") }
        let body = ResponseBody(data: answer.body, contentType: answer.contentType)
        let fields: TokenJSON? = if case .fields(let fields) = body.format { fields } else { nil }

        // RFC 6749 section 5.2, and GitHub's errors inside a 200.
        let provided = { (text: String, limit: Int) in
            ProviderText.line(text, limit: limit, knownSecrets: knownSecrets)
        }
        if let code = fields?.error.map({ provided($0, maxCodeLength) }), !code.isEmpty {
            throw TokenEndpointError(
                kind: .http, status: answer.status, code: code,
                errorDescription: fields?.errorDescription.map { provided($0, maxDescriptionLength) },
                retryAfter: answer.retryAfter)
        }
        guard success else {
            if (300..<400).contains(answer.status) { throw failure(redirectDetail(answer.location)) }
            switch body.format {
            case .empty, .html: throw failure(body.summary)
            case .fields, .unreadable: throw failure("no OAuth error in body (\(body.summary))")
            }
        }
        guard let fields else {
            switch body.format {
            case .empty, .html: throw failure(body.summary)
            case .fields, .unreadable: throw failure("not a token response (\(body.summary))")
            }
        }
        guard let accessToken = fields.accessToken, !accessToken.isEmpty else {
            throw failure("not a token response: no access_token")
        }
        // RFC 6750 section 2.1: a token that could break a header line, a JSON string or a terminal is refused here,
        // before anything stores or prints it (docs/security.md). The flaw names the character, never the token.
        if let flaw = TokenSyntax.accessTokenFlaw(accessToken) {
            throw failure("the access_token is not an RFC 6750 token: it has \(flaw)")
        }
        if let refreshToken = fields.refreshToken, let flaw = TokenSyntax.refreshTokenFlaw(refreshToken) {
            throw failure("the refresh_token cannot be sent back in a form: it has \(flaw)")
        }
        return TokenResponse(
            accessToken: accessToken, tokenType: fields.tokenType ?? "Bearer", refreshToken: fields.refreshToken,
            expiresIn: fields.expiresIn, scope: fields.scope, refreshTokenExpiresIn: fields.refreshTokenExpiresIn)
    }

    /// One line, no control characters, at most `limit` characters (with "..." when cut).
    static func clean(_ text: String, limit: Int) -> String {
        let flat = String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { CharacterSet.controlCharacters.contains($0) ? " " : $0 }))
        let trimmed = flat.trimmingCharacters(in: .whitespaces)
        return trimmed.count > limit ? String(trimmed.prefix(limit - 3)) + "..." : trimmed
    }

    // Only the host: a redirect's query could carry anything.
    private static func redirectDetail(_ location: String?) -> String {
        guard let location, let host = URL(string: location)?.host, !host.isEmpty else {
            return "redirect not followed"
        }
        return "redirect to \(host) not followed"
    }
}
