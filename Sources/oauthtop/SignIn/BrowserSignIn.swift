import Foundation
import Health
import OAuth
import RefreshEngine
import TokenStore

/// The browser sign-in of DESIGN.md section 4 (`oauthtop login`, the dashboard's `l`):
///
/// 1. endpoints: the config's `authorization_endpoint` and `token_endpoint` when it gives both, else MCP discovery
///    (401 → protected resource metadata → authorization server metadata, S256 required), with any endpoint the
///    config gives taking precedence; the result is stored for logout's revocation;
/// 2. the loopback redirect on 127.0.0.1: `oauth.redirect_port`, else the port of a stored registration when it is
///    free, else an ephemeral port;
/// 3. the client: the config's `client_id`, else a stored registration for this server, authorization server and
///    exact redirect URI, else dynamic registration (RFC 7591) as a public client, stored for next time;
/// 4. PKCE S256, a random `state`, `resource` (RFC 8707), the scope (config, else the 401's `scope`, else the
///    resource's `scopes_supported`), `extra_params`; the browser opened (or the URL printed);
/// 5. the first redirect with the right `state` (others are refused and ignored) within `timeout`; the code
///    exchanged (PKCE verifier, redirect URI, resource); the session returned to the engine, which stores it.
struct BrowserSignIn: SignInService {
    /// How the user reaches the authorization URL.
    enum Browser: Sendable {
        /// Open it with `$BROWSER` or `xdg-open`; print it when neither works.
        case open(BrowserOpener)
        /// Print it only (`--no-browser`).
        case printOnly
        /// Neither: someone else shows `ServerStatus.signInURL` (the dashboard); still opened when possible.
        case silent(BrowserOpener)
        /// No person involved: hand the URL to code that plays the browser (`oauthtop demo`, whose provider
        /// approves without a page).
        case automatic(@Sendable (URL) -> Void)
    }

    var servers: [String: ServerConfig]
    var records: any SignInRecords
    var browser: Browser
    /// How long to wait for the browser to come back (5 minutes; `OAUTHTOP_LOGIN_TIMEOUT` in tests).
    var timeout: TimeInterval
    /// Bounds each request to the provider.
    var requestTimeout: TimeInterval
    /// Lines for the person at the terminal (the URL with `--no-browser`, progress); never a secret except that URL.
    var say: @Sendable (String) -> Void
    var now: @Sendable () -> Date = { Date() }

    static let defaultTimeout: TimeInterval = 300

    func signIn(
        _ server: ServerDefinition, onAuthorizationURL: @escaping @Sendable (URL) -> Void
    ) async throws -> StoredSession {
        guard let config = servers[server.name], let serverURL = URL(string: config.url) else {
            throw SignInError.configuration("no server named '\(server.name)' in the configuration")
        }
        let settings = config.oauth
        let endpoints = try await endpoints(config, serverURL: serverURL)
        let issuerKey = endpoints.issuer
        let resource = settings.resource ?? endpoints.resource ?? config.url
        let scope = settings.scopes.isEmpty ? endpoints.scopeToRequest : settings.scopes.joined(separator: " ")
        guard let authorizationEndpoint = URL(string: endpoints.authorizationEndpoint),
            let tokenEndpoint = URL(string: endpoints.tokenEndpoint)
        else {
            throw SignInError.configuration("the authorization or token endpoint of '\(server.name)' is not a URL")
        }

        // The redirect: an exact port, the port of an earlier registration, or any free one.
        let stored = settings.clientID == nil ? try await registrations(server.name, issuer: issuerKey) : []
        let pkce = PKCE()
        let state = OAuthState.generate()
        let name = server.name
        let say = self.say
        let inbox = CallbackInbox(expectedState: state) {
            say("ignored a redirect to the callback whose state does not match this sign-in (still waiting)")
        }
        let callback = try await listen(settings: settings, preferred: stored, inbox: inbox)
        // The callback server stops only after the browser's page is out: a process that exits right after a
        // failed sign-in would otherwise cut the page off mid-write.
        func complete() async throws -> StoredSession {
            let redirectURI = callback.redirectURI

            let client = try await client(
                for: name, settings: settings, endpoints: endpoints, issuer: issuerKey, redirectURI: redirectURI,
                stored: stored, scope: scope)
            let request = AuthorizationRequest(
                endpoint: authorizationEndpoint, clientID: client.clientID, redirectURI: redirectURI, scope: scope,
                state: state, codeChallenge: pkce.challenge, resource: resource, extraParameters: settings.extraParams)
            let url = request.url
            onAuthorizationURL(url)
            present(url, server: name)

            // Wait for the browser, at most `timeout`, cancellable.
            let deadline = Task {
                try await Task.sleep(for: .milliseconds(Int64(timeout * 1000)))
                await inbox.fail(SignInError(
                    .timedOut,
                    "nobody completed the sign-in in the browser within \(TimeText.compact(timeout)); run oauthtop login \(name) again"))
            }
            defer { deadline.cancel() }
            let response = try await withTaskCancellationHandler {
                try await inbox.response()
            } onCancel: {
                Task { await inbox.fail(SignInError(.cancelled, "sign-in cancelled")) }
            }

            switch response {
            case .error(let code, let description):
                let reason = code + (description.map { ": \($0)" } ?? "")
                let message =
                    code == "access_denied"
                    ? "the sign-in was denied at the provider (\(reason))"
                    : "the provider ended the sign-in with an error (\(reason))"
                await inbox.finish(.failed("The provider said: \(reason)."))
                throw SignInError(.denied, message)
            case .malformed:
                await inbox.finish(.failed("The provider's redirect carried neither an authorization code nor an error."))
                throw SignInError.provider("the provider's redirect carried no authorization code")
            case .code(let code):
                let sentAt = now()
                let tokens: TokenResponse
                do {
                    tokens = try await TokenClient(timeout: requestTimeout).exchangeCode(
                        code, verifier: pkce.verifier, redirectURI: redirectURI, endpoint: tokenEndpoint,
                        clientID: client.clientID, clientSecret: client.clientSecret, authMethod: client.authMethod,
                        resource: resource)
                } catch {
                    let failure = await exchangeFailure(error, server: name, issuer: issuerKey, redirectURI: redirectURI, client: client)
                    await inbox.finish(.failed("oauthtop could not finish the sign-in: \(failure.message)."))
                    throw failure
                }
                await inbox.finish(.signedIn(server: name))
                let lifetime = tokens.expiresIn.flatMap { $0 > 0 ? $0 : nil }
                return StoredSession(
                    server: name, accessToken: tokens.accessToken, tokenType: tokens.tokenType,
                    refreshToken: tokens.refreshToken, scope: tokens.scope ?? scope, issuedAt: sentAt,
                    expiresAt: lifetime.map { sentAt.addingTimeInterval($0) },
                    refreshTokenExpiresAt: tokens.refreshTokenExpiresIn.flatMap { $0 > 0 ? sentAt.addingTimeInterval($0) : nil },
                    client: ClientRegistration(
                        tokenEndpoint: tokenEndpoint.absoluteString, clientID: client.clientID,
                        clientSecret: client.clientSecret, authMethod: client.authMethod.rawValue, resource: resource))
            }
        }
        let outcome: Result<StoredSession, any Error>
        do {
            outcome = .success(try await complete())
        } catch {
            outcome = .failure(error)
        }
        await callback.stop()
        return try outcome.get()
    }

    func revoke(_ session: StoredSession) async -> RevocationOutcome {
        guard let client = session.client else { return .notAdvertised }
        let discovery: StoredDiscovery?
        do {
            discovery = try await records.discovery(for: session.server)
        } catch {
            return .failed("token store: \(error)")
        }
        guard let text = discovery?.revocationEndpoint, let endpoint = URL(string: text) else { return .notAdvertised }
        let (token, hint): (String, TokenRevoker.Hint) =
            session.refreshToken.map { ($0, .refreshToken) } ?? (session.accessToken, .accessToken)
        do {
            try await TokenRevoker(timeout: requestTimeout).revoke(
                token, hint: hint, endpoint: endpoint, clientID: client.clientID, clientSecret: client.clientSecret,
                authMethod: ClientAuthMethod(rawValue: client.authMethod) ?? .none)
            return .revoked
        } catch let error as TokenEndpointError {
            return .failed("\(error)")
        } catch {
            return .failed("\(type(of: error))")
        }
    }

    // MARK: Steps

    /// The config's endpoints when it gives both; else discovery, with the config's endpoints on top. Stored.
    private func endpoints(_ config: ServerConfig, serverURL: URL) async throws -> DiscoveryResult {
        let settings = config.oauth
        var result: DiscoveryResult
        if let authorization = settings.authorizationEndpoint, let token = settings.tokenEndpoint {
            result = DiscoveryResult(
                serverURL: config.url, issuer: "", metadataURL: "", authorizationEndpoint: authorization.absoluteString,
                tokenEndpoint: token.absoluteString, registrationEndpoint: settings.registrationEndpoint?.absoluteString)
        } else {
            result = try await Discovery(timeout: requestTimeout).discover(serverURL: serverURL)
            if let authorization = settings.authorizationEndpoint { result.authorizationEndpoint = authorization.absoluteString }
            if let token = settings.tokenEndpoint { result.tokenEndpoint = token.absoluteString }
            if let registration = settings.registrationEndpoint { result.registrationEndpoint = registration.absoluteString }
        }
        let record = StoredDiscovery(
            server: config.name, serverURL: config.url, resource: result.resource,
            resourceMetadataURL: result.resourceMetadataURL, challengedScope: result.challengedScope,
            scopesSupported: result.scopesSupported, issuer: result.issuer.isEmpty ? nil : result.issuer,
            metadataURL: result.metadataURL.isEmpty ? nil : result.metadataURL,
            authorizationEndpoint: result.authorizationEndpoint, tokenEndpoint: result.tokenEndpoint,
            registrationEndpoint: result.registrationEndpoint, revocationEndpoint: result.revocationEndpoint,
            codeChallengeMethods: result.codeChallengeMethodsSupported, discoveredAt: now())
        do {
            try await records.saveDiscovery(record)
        } catch {
            throw SignInError.network("token store: \(error)")
        }
        if result.issuer.isEmpty { result.issuer = result.authorizationEndpoint }
        return result
    }

    private func registrations(_ server: String, issuer: String) async throws -> [StoredClientRegistration] {
        do {
            let current = now()
            return try await records.clientRegistrations(for: server, issuer: issuer).filter { $0.isUsable(at: current) }
        } catch {
            throw SignInError.network("token store: \(error)")
        }
    }

    /// Binds the redirect port: the configured one exactly, else a stored registration's port when free, else any.
    private func listen(
        settings: OAuthSettings, preferred: [StoredClientRegistration], inbox: CallbackInbox
    ) async throws -> CallbackServer {
        let handlerTimeout = requestTimeout + 15
        if let port = settings.redirectPort {
            do {
                return try await CallbackServer.start(port: UInt16(port), inbox: inbox, handlerTimeout: handlerTimeout)
            } catch CallbackServer.StartError.cannotListen(_, let reason) {
                throw SignInError.network(
                    "cannot listen on 127.0.0.1:\(port) (oauth.redirect_port) for the sign-in redirect: \(reason)")
            }
        }
        for registration in preferred {
            guard let url = URL(string: registration.redirectURI), url.host == "127.0.0.1",
                url.path == CallbackServer.path, let port = url.port, port > 0, port <= 65535
            else { continue }
            if let server = try? await CallbackServer.start(port: UInt16(port), inbox: inbox, handlerTimeout: handlerTimeout) {
                return server
            }
        }
        do {
            return try await CallbackServer.start(port: 0, inbox: inbox, handlerTimeout: handlerTimeout)
        } catch CallbackServer.StartError.cannotListen(_, let reason) {
            throw SignInError.network("cannot listen on 127.0.0.1 for the sign-in redirect: \(reason)")
        }
    }

    private struct Client {
        var clientID: String
        var clientSecret: String?
        var authMethod: ClientAuthMethod
        var dynamic: Bool
    }

    private func client(
        for server: String, settings: OAuthSettings, endpoints: DiscoveryResult, issuer: String, redirectURI: String,
        stored: [StoredClientRegistration], scope: String?
    ) async throws -> Client {
        if let clientID = settings.clientID {
            let method = settings.tokenEndpointAuthMethod ?? (settings.clientSecret == nil ? "none" : "client_secret_post")
            return Client(
                clientID: clientID, clientSecret: settings.clientSecret,
                authMethod: ClientAuthMethod(rawValue: method) ?? .none, dynamic: false)
        }
        if let existing = stored.first(where: { $0.redirectURI == redirectURI }) {
            return Client(
                clientID: existing.clientID, clientSecret: existing.clientSecret,
                authMethod: ClientAuthMethod(rawValue: existing.authMethod) ?? .none, dynamic: true)
        }
        guard let text = endpoints.registrationEndpoint, let endpoint = URL(string: text) else {
            throw SignInError.configuration(
                "'\(server)' has no oauth.client_id in the config and its authorization server offers no dynamic "
                    + "client registration; register a client with the provider and set oauth.client_id")
        }
        let registered = try await ClientRegistrar(timeout: requestTimeout).register(
            at: endpoint, redirectURI: redirectURI, scope: scope)
        do {
            try await records.saveClientRegistration(
                StoredClientRegistration(
                    server: server, issuer: issuer, redirectURI: redirectURI, clientID: registered.clientID,
                    clientSecret: registered.clientSecret, authMethod: registered.authMethod.rawValue,
                    clientSecretExpiresAt: registered.clientSecretExpiresAt, registeredAt: now()))
        } catch {
            throw SignInError.network("token store: \(error)")
        }
        return Client(
            clientID: registered.clientID, clientSecret: registered.clientSecret, authMethod: registered.authMethod,
            dynamic: true)
    }

    private func present(_ url: URL, server: String) {
        let host = url.host ?? "the provider"
        switch browser {
        case .printOnly:
            say("open this URL in a browser to sign in to \(server):\n\(url.absoluteString)")
        case .open(let opener):
            if opener.open(url) {
                say("opened a browser (\(opener.command ?? "browser")) to sign in to \(server) at \(host); waiting for it to come back")
            } else {
                say("no browser to open ($BROWSER unset and no xdg-open); open this URL to sign in to \(server):\n\(url.absoluteString)")
            }
        case .silent(let opener):
            _ = opener.open(url)
        case .automatic(let follow):
            follow(url)
        }
    }

    /// A failed code exchange in words; a client the provider no longer knows is forgotten, so the next sign-in
    /// registers a new one.
    private func exchangeFailure(
        _ error: any Error, server: String, issuer: String, redirectURI: String, client: Client
    ) async -> SignInError {
        if error is CancellationError { return SignInError(.cancelled, "sign-in cancelled") }
        guard let error = error as? TokenEndpointError else { return .network("code exchange: \(type(of: error))") }
        if error.code == "invalid_client", client.dynamic {
            try? await records.deleteClientRegistration(server: server, issuer: issuer, redirectURI: redirectURI)
            return .provider("the provider no longer knows oauthtop's registered client (\(error)); run the sign-in again to register anew")
        }
        return SignInError.from(error, step: "code exchange")
    }
}
