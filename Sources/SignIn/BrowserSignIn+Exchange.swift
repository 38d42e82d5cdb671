import Foundation
import OAuth
import TokenStore

extension BrowserSignIn {
    // MARK: Step 6: the code exchange

    /// Trades the code for tokens with the PKCE verifier, the redirect URI and the resource; returns them with the
    /// time the request went out, which the session's expiry counts from. A failure is shown in the browser too.
    func exchange(
        _ code: String, target: SignInTarget, client: SignInClient, redirectURI: String, inbox: CallbackInbox
    ) async throws -> (TokenResponse, issuedAt: Date) {
        let sentAt = clock.now
        do {
            let tokens = try await TokenClient(timeout: requestTimeout).exchangeCode(
                code, verifier: target.pkce.verifier, redirectURI: redirectURI, endpoint: target.tokenEndpoint,
                clientID: client.clientID, clientSecret: client.clientSecret, authMethod: client.authMethod,
                resource: target.resource, knownSecrets: [target.state])
            return (tokens, sentAt)
        } catch {
            let failure = await exchangeFailure(error, target: target, redirectURI: redirectURI, client: client)
            await inbox.finish(.failed("oauthtop could not finish the sign-in: \(failure.message)."))
            throw failure
        }
    }

    /// A failed code exchange in words; a client the provider no longer knows is forgotten, so the next sign-in
    /// registers a new one.
    private func exchangeFailure(
        _ error: any Error, target: SignInTarget, redirectURI: String, client: SignInClient
    ) async -> SignInError {
        if error is CancellationError { return SignInError(.cancelled, "sign-in cancelled") }
        guard let error = error as? TokenEndpointError else { return .network("code exchange: \(type(of: error))") }
        if error.code == "invalid_client", client.dynamic {
            try? await records.deleteClientRegistration(
                server: target.server, issuer: target.issuer, redirectURI: redirectURI)
            return .provider(
                "the provider no longer knows oauthtop's registered client (\(error)); "
                    + "run the sign-in again to register anew")
        }
        if error.code == "unauthorized_client", client.fresh, client.authMethod == .none {
            return .provider(
                "the provider refused the code for the public client oauthtop had just registered (\(error)); it "
                    + "seems to have registered a confidential client instead. Add the fields it needs for a public "
                    + "client under oauth.registration_metadata, or register a client yourself and set "
                    + "oauth.client_id (and oauth.client_secret)")
        }
        return SignInError.from(error, step: "code exchange")
    }

    // MARK: Step 7: the session

    /// The session the engine stores: absolute expiry times, the scope granted (else the one asked for), and the
    /// client that refreshes it.
    func session(
        from tokens: TokenResponse, issuedAt: Date, target: SignInTarget, client: SignInClient
    ) -> StoredSession {
        // 0 or below: expired now, so the engine refreshes it at once (docs/refresh-policy.md).
        let lifetime = tokens.expiresIn.flatMap { $0.isFinite ? max($0, 0) : nil }
        let refreshLifetime = tokens.refreshTokenExpiresIn.flatMap { $0 > 0 ? $0 : nil }
        return StoredSession(
            server: target.server, accessToken: tokens.accessToken, tokenType: tokens.tokenType,
            refreshToken: tokens.refreshToken, scope: tokens.scope ?? target.scope, issuedAt: issuedAt,
            expiresAt: lifetime.map { issuedAt.addingTimeInterval($0) },
            refreshTokenExpiresAt: refreshLifetime.map { issuedAt.addingTimeInterval($0) },
            client: ClientRegistration(
                tokenEndpoint: target.tokenEndpoint.absoluteString, clientID: client.clientID,
                clientSecret: client.clientSecret, authMethod: client.authMethod.rawValue, resource: target.resource),
            serverURL: target.settings.url)
    }
}
