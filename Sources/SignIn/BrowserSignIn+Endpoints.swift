import Foundation
import OAuth
import TokenStore

extension BrowserSignIn {
    // MARK: Step 1: endpoints

    /// The server's endpoints, resource and scope: from the config when it gives both endpoints, else discovery
    /// with the config's endpoints on top. The result is stored for logout's revocation. The scope asked for is
    /// the usual one (config `scopes`, else the 401's, else `scopes_supported`) with `kept` added: a new sign-in
    /// never asks for less than the session it replaces had or the server asked for (step-up).
    func discoverEndpoints(_ server: String, keeping kept: [String] = []) async throws -> SignInTarget {
        guard let settings = servers[server], let serverURL = URL(string: settings.url) else {
            throw SignInError.configuration("no server named '\(server)' in the configuration")
        }
        var endpoints = try await endpoints(settings, serverURL: serverURL)
        try await saveDiscovery(endpoints, server: server, settings: settings)
        if endpoints.issuer.isEmpty { endpoints.issuer = endpoints.authorizationEndpoint }
        guard let authorizationEndpoint = URL(string: endpoints.authorizationEndpoint),
            let tokenEndpoint = URL(string: endpoints.tokenEndpoint)
        else {
            throw SignInError.configuration("the authorization or token endpoint of '\(server)' is not a URL")
        }
        return SignInTarget(
            server: server, settings: settings, endpoints: endpoints, authorizationEndpoint: authorizationEndpoint,
            tokenEndpoint: tokenEndpoint, resource: settings.resource ?? endpoints.resource ?? settings.url,
            scope: Self.union(
                settings.scopes.isEmpty ? endpoints.scopeToRequest : settings.scopes.joined(separator: " "), kept))
    }

    private func endpoints(_ settings: SignInSettings, serverURL: URL) async throws -> DiscoveryResult {
        if let authorization = settings.authorizationEndpoint, let token = settings.tokenEndpoint {
            return DiscoveryResult(
                serverURL: settings.url, issuer: "", metadataURL: "",
                authorizationEndpoint: authorization.absoluteString, tokenEndpoint: token.absoluteString,
                registrationEndpoint: settings.registrationEndpoint?.absoluteString)
        }
        var result = try await Discovery(timeout: requestTimeout).discover(serverURL: serverURL)
        if let authorization = settings.authorizationEndpoint {
            result.authorizationEndpoint = authorization.absoluteString
        }
        if let token = settings.tokenEndpoint { result.tokenEndpoint = token.absoluteString }
        if let registration = settings.registrationEndpoint {
            result.registrationEndpoint = registration.absoluteString
        }
        return result
    }

    private func saveDiscovery(_ result: DiscoveryResult, server: String, settings: SignInSettings) async throws {
        let record = StoredDiscovery(
            server: server, serverURL: settings.url, resource: result.resource,
            resourceMetadataURL: result.resourceMetadataURL, challengedScope: result.challengedScope,
            scopesSupported: result.scopesSupported, issuer: result.issuer.isEmpty ? nil : result.issuer,
            metadataURL: result.metadataURL.isEmpty ? nil : result.metadataURL,
            authorizationEndpoint: result.authorizationEndpoint, tokenEndpoint: result.tokenEndpoint,
            registrationEndpoint: result.registrationEndpoint, revocationEndpoint: result.revocationEndpoint,
            codeChallengeMethods: result.codeChallengeMethodsSupported, discoveredAt: clock.now)
        do {
            try await records.saveDiscovery(record)
        } catch {
            throw SignInError.network("token store: \(error)")
        }
    }

    // MARK: Step 2: the redirect

    /// The usable registrations stored for this server and authorization server, newest first; none when the
    /// config names a client.
    func storedRegistrations(for target: SignInTarget) async throws -> [StoredClientRegistration] {
        guard target.settings.clientID == nil else { return [] }
        do {
            let now = clock.now
            return try await records.clientRegistrations(for: target.server, issuer: target.issuer)
                .filter { $0.isUsable(at: now) }
        } catch {
            throw SignInError.network("token store: \(error)")
        }
    }

    /// Binds the redirect port: the configured one exactly, else a stored registration's port when free, else any.
    func chooseRedirect(
        _ target: SignInTarget, preferring stored: [StoredClientRegistration], inbox: CallbackInbox
    ) async throws -> CallbackServer {
        let handlerTimeout = requestTimeout + 15
        let path = redirectPath(target)
        if let port = target.settings.redirectPort {
            do {
                return try await CallbackServer.start(
                    port: UInt16(port), path: path, inbox: inbox, handlerTimeout: handlerTimeout)
            } catch CallbackServer.StartError.cannotListen(_, let reason) {
                throw SignInError.network(
                    "cannot listen on 127.0.0.1:\(port) (oauth.redirect_port) for the sign-in redirect: \(reason)")
            }
        }
        for registration in stored {
            guard let url = URL(string: registration.redirectURI), url.host == "127.0.0.1",
                url.path == path, let port = url.port, port > 0, port <= 65535
            else { continue }
            if let server = try? await CallbackServer.start(
                port: UInt16(port), path: path, inbox: inbox, handlerTimeout: handlerTimeout)
            {
                return server
            }
        }
        do {
            return try await CallbackServer.start(port: 0, path: path, inbox: inbox, handlerTimeout: handlerTimeout)
        } catch CallbackServer.StartError.cannotListen(_, let reason) {
            throw SignInError.network("cannot listen on 127.0.0.1 for the sign-in redirect: \(reason)")
        }
    }

    /// A client oauthtop registers gets a redirect path per authorization server; a configured one, or a client ID
    /// metadata document, keeps the fixed path it lists (`RedirectPath`).
    func redirectPath(_ target: SignInTarget) -> String {
        target.settings.clientID == nil && metadataDocument(target) == nil
            ? RedirectPath.perIssuer(target.issuer) : RedirectPath.fixed
    }

    /// `scope`'s words, then those of `more` it lacks; `nil` when there are none (the parameter is left out).
    static func union(_ scope: String?, _ more: [String]) -> String? {
        var words: [String] = []
        for word in (scope ?? "").split(separator: " ").map(String.init) + more where !words.contains(word) {
            words.append(word)
        }
        return words.isEmpty ? nil : words.joined(separator: " ")
    }
}
