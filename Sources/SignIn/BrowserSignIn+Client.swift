import Foundation
import OAuth
import TokenStore

extension BrowserSignIn {
    // MARK: Step 3: the client

    /// The order of the MCP authorization spec (2025-11-25, "Client Registration Approaches"): the config's client
    /// (pre-registered); else a client ID metadata document, when the authorization server accepts them and the
    /// config names one (its URL is the `client_id`; nothing is registered); else the stored registration for
    /// this exact redirect URI and scope; else a new registration (RFC 7591, a public client), stored for the next
    /// sign-in; else an error naming the three ways.
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
        if let document = metadataDocument(target) {
            return SignInClient(clientID: document.absoluteString, clientSecret: nil, authMethod: .none, dynamic: false)
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
            let documents =
                target.endpoints.clientIDMetadataDocumentSupported
                ? "accepts client ID metadata documents but the config names none (oauth.client_metadata_url)"
                : "does not accept client ID metadata documents"
            throw SignInError.configuration(
                "'\(target.server)' has no oauth.client_id in the config, its authorization server \(documents), "
                    + "and it offers no dynamic client registration. Register a client with the provider and set "
                    + "oauth.client_id, or, where the provider accepts them, host a client ID metadata document "
                    + "(Resources/client-metadata.json) and set oauth.client_metadata_url")
        }
        let registered = try await ClientRegistrar(timeout: requestTimeout).register(
            at: endpoint, redirectURI: redirectURI, scope: target.scope, extra: target.settings.registrationMetadata)
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
            dynamic: true, fresh: true)
    }

    /// The client ID metadata document this sign-in uses: the configured one, where the authorization server
    /// says it accepts them (`client_id_metadata_document_supported`) and no `oauth.client_id` is configured.
    func metadataDocument(_ target: SignInTarget) -> URL? {
        guard target.settings.clientID == nil, target.endpoints.clientIDMetadataDocumentSupported else { return nil }
        return target.settings.clientMetadataURL
    }
}
