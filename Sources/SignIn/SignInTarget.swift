import Foundation
import OAuth

/// One sign-in once its endpoints are known: where the browser and the code go, what is asked for, and the PKCE
/// pair and `state` that tie the redirect to this sign-in (both secret, both fresh for every sign-in).
struct SignInTarget {
    var server: String
    var settings: SignInSettings
    /// What discovery (or the config) gave; `issuer` is the authorization endpoint when nothing was discovered.
    var endpoints: DiscoveryResult
    var authorizationEndpoint: URL
    var tokenEndpoint: URL
    var resource: String
    var scope: String?
    let pkce = PKCE()
    let state = OAuthState.generate()

    /// Keys the stored client registrations (one set per authorization server).
    var issuer: String { endpoints.issuer }
}

/// The OAuth client a sign-in uses.
struct SignInClient {
    var clientID: String
    var clientSecret: String?
    var authMethod: ClientAuthMethod
    /// Registered by oauthtop (stored, forgotten when the provider no longer knows it), not from the config.
    var dynamic: Bool
    /// Registered by this very sign-in.
    var fresh = false
}
