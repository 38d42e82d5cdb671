/// Anything that can trade a refresh token for new tokens: the HTTP client in production, a script in tests.
public protocol TokenRefresher: Sendable {
    /// Throws `TokenEndpointError` for every failure the caller should classify; other errors count as "other".
    func refresh(_ request: RefreshRequest) async throws -> TokenResponse
}
