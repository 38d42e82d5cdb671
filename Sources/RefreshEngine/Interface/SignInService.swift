import Foundation
import OAuth
import TokenStore

/// Browser sign-in and revocation as the engine sees them. The real one (discovery, registration, PKCE, the
/// loopback redirect, the code exchange) lives in the executable; tests use a fake.
public protocol SignInService: Sendable {
    /// Runs one browser sign-in for `server` and returns the new session (with its client registration), not yet
    /// stored. Calls `onAuthorizationURL` once the URL the user must open is known. Throws `SignInError` (other
    /// errors count as network failures), and `SignInError.cancelled` or `CancellationError` when its task is
    /// cancelled.
    /// `scopes`: what the sign-in must ask for at least, on top of what it would ask for anyway: the scopes of the
    /// session being replaced and those the server asked for (step-up), so that a new sign-in never grants less.
    /// A device sign-in (RFC 8628) calls `onDeviceCode` with what the person must enter, and where.
    func signIn(
        _ server: ServerDefinition, scopes: [String], onAuthorizationURL: @escaping @Sendable (URL) -> Void,
        onDeviceCode: @escaping @Sendable (DeviceCodePrompt) -> Void
    ) async throws -> StoredSession

    /// Revokes the session's refresh token (else its access token) when the provider advertises revocation.
    func revoke(_ session: StoredSession) async -> RevocationOutcome
}

extension SignInService {
    /// A sign-in that asks for what it would ask for anyway.
    public func signIn(
        _ server: ServerDefinition, onAuthorizationURL: @escaping @Sendable (URL) -> Void
    ) async throws -> StoredSession {
        try await signIn(server, scopes: [], onAuthorizationURL: onAuthorizationURL, onDeviceCode: { _ in })
    }
}

/// What the person must do to finish a device sign-in (RFC 8628): open `verificationURI` anywhere and enter
/// `userCode` before `expiresAt`. The user code is meant to be seen (the device code never is).
public struct DeviceCodePrompt: Sendable, Equatable {
    public var userCode: String
    public var verificationURI: String
    /// The URI with the code in it, when the provider gives one.
    public var verificationURIComplete: String?
    public var expiresAt: Date

    public init(userCode: String, verificationURI: String, verificationURIComplete: String? = nil, expiresAt: Date) {
        self.userCode = userCode
        self.verificationURI = verificationURI
        self.verificationURIComplete = verificationURIComplete
        self.expiresAt = expiresAt
    }
}

/// What `SignInService.revoke` did.
public enum RevocationOutcome: Sendable, Equatable {
    case revoked
    /// The provider has no revocation endpoint (or none is known for this server).
    case notAdvertised
    /// The provider did not confirm; the reason, without secrets.
    case failed(String)
}

/// What `RefreshEngine.login` came to.
public enum LoginOutcome: Sendable, Equatable {
    /// The new session is stored and scheduled.
    case signedIn(expiresAt: Date?)
    /// Nothing changed; the server is back in the state it had before.
    case failed(SignInError)
}

/// What `RefreshEngine.logout` did.
public struct LogoutOutcome: Sendable, Equatable {
    /// There were tokens to forget.
    public var hadSession: Bool
    /// `nil` when nothing was revoked: no session, or no sign-in service in this process.
    public var revocation: RevocationOutcome?

    public init(hadSession: Bool, revocation: RevocationOutcome?) {
        self.hadSession = hadSession
        self.revocation = revocation
    }
}
