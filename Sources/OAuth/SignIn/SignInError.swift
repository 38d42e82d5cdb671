/// Why a browser sign-in, or a step of it (discovery, registration, the code exchange), did not produce a session.
/// The message is for people and never holds a code, a verifier, a state value, a token or a client secret.
public struct SignInError: Error, Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The user or the provider said no (`access_denied` and other authorization errors).
        case denied
        /// Nobody came back to the redirect URI in time.
        case timedOut
        /// The sign-in was cancelled (Esc in the dashboard, Ctrl-C).
        case cancelled
        /// The provider could not be reached or answered 5xx: trying again later may work.
        case network
        /// The server or its configuration cannot work as it is: no S256, no metadata, no way to get a client.
        case configuration
        /// The provider refused a request it should have taken (a redirect without a code, a rejected exchange).
        case provider
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public static func network(_ message: String) -> Self { .init(.network, message) }
    public static func configuration(_ message: String) -> Self { .init(.configuration, message) }
    public static func provider(_ message: String) -> Self { .init(.provider, message) }
}

extension SignInError: CustomStringConvertible {
    public var description: String { message }
}

extension SignInError {
    /// A failed request to a provider endpoint: the network and 5xx/429 are worth another try, other answers are
    /// the provider refusing.
    public static func from(_ error: TokenEndpointError, step: String) -> SignInError {
        switch error.kind {
        case .network, .timeout:
            return .network("\(step): \(error)")
        case .http, .malformedResponse:
            if let status = error.status, status >= 500 || status == 429 { return .network("\(step): \(error)") }
            return .provider("\(step): \(error)")
        }
    }
}
