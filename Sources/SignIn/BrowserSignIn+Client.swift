import Foundation
import OAuth
import TokenStore

extension BrowserSignIn {
    // MARK: Step 3: the client

    /// The config's client, else the stored registration for this exact redirect URI, else a new registration
    /// (RFC 7591, a public client), stored for the next sign-in.
    func chooseClient(
        _ target: SignInTarget, redirectURI: String, stored: [StoredClientRegistration]
    ) async throws -> SignInClient {
        let settings = target.settings
        if let clientID = settings.clientID {
            let method =
                settings.tokenEndpointAuthMethod ?? (settings.clientSecret == nil ? "none" : "client_secret_post")
            return SignInClient(
                clientID: clientID, clientSecret: settings.clientSecret,
                authMethod: ClientAuthMethod(rawValue: method) ?? .none, dynamic: false)
        }
        if let existing = stored.first(where: { $0.redirectURI == redirectURI && $0.covers(scope: target.scope) }) {
            return SignInClient(
                clientID: existing.clientID, clientSecret: existing.clientSecret,
                authMethod: ClientAuthMethod(rawValue: existing.authMethod) ?? .none, dynamic: true)
        }
        return try await register(target, redirectURI: redirectURI)
    }

    func register(_ target: SignInTarget, redirectURI: String) async throws -> SignInClient {
        guard let text = target.endpoints.registrationEndpoint, let endpoint = URL(string: text) else {
            throw SignInError.configuration(
                "'\(target.server)' has no oauth.client_id in the config and its authorization server offers no "
                    + "dynamic client registration; register a client with the provider and set oauth.client_id")
        }
        let registered = try await ClientRegistrar(timeout: requestTimeout).register(
            at: endpoint, redirectURI: redirectURI, scope: target.scope)
        do {
            try await records.saveClientRegistration(
                StoredClientRegistration(
                    server: target.server, issuer: target.issuer, redirectURI: redirectURI,
                    clientID: registered.clientID, clientSecret: registered.clientSecret,
                    authMethod: registered.authMethod.rawValue, clientSecretExpiresAt: registered.clientSecretExpiresAt,
                    registeredAt: clock.now, scope: target.scope))
        } catch {
            throw SignInError.network("token store: \(error)")
        }
        return SignInClient(
            clientID: registered.clientID, clientSecret: registered.clientSecret, authMethod: registered.authMethod,
            dynamic: true)
    }
}
