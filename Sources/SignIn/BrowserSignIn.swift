import Foundation
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
public struct BrowserSignIn: SignInService {
    /// How the user reaches the authorization URL.
    public enum Browser: Sendable {
        /// Open it with `$BROWSER` or `xdg-open`; print it when neither works.
        case open(BrowserOpener)
        /// Print it only (`--no-browser`).
        case printOnly
        /// Neither: someone else shows `ServerStatus.signInURL` (the dashboard); still opened when possible.
        case silent(BrowserOpener)
        /// No person involved: hand the URL to code that plays the browser (`oauthtop demo`, whose provider
        /// approves without a page; tests).
        case automatic(@Sendable (URL) -> Void)
    }

    /// When to use the device authorization grant (RFC 8628) instead of a browser on this machine.
    public enum DeviceFlow: Sendable, Equatable {
        /// `login --device`: always; an error when the provider does not offer it.
        case always
        /// When the provider offers it and no browser can reach the person here (no `$BROWSER`, no display, or an
        /// SSH session).
        case whenNoBrowser
        case never
    }

    public var servers: [String: SignInSettings]
    public var records: any SignInRecords
    public var browser: Browser
    public var deviceFlow: DeviceFlow = .whenNoBrowser
    /// Seconds to wait for the browser to come back.
    public var timeout: TimeInterval
    /// Bounds each request to the provider.
    public var requestTimeout: TimeInterval
    /// Lines for the person at the terminal (the URL with `--no-browser`, progress); never a secret except that URL.
    public var say: @Sendable (String) -> Void
    /// Stamps sessions, discoveries and registrations, and times the wait for the browser.
    public var clock: any EngineClock

    /// Five minutes.
    public static let defaultTimeout: TimeInterval = 300

    public init(
        servers: [String: SignInSettings], records: any SignInRecords, browser: Browser,
        timeout: TimeInterval = Self.defaultTimeout, requestTimeout: TimeInterval = 30,
        clock: any EngineClock = SystemClock(), say: @escaping @Sendable (String) -> Void
    ) {
        self.servers = servers
        self.records = records
        self.browser = browser
        self.timeout = timeout
        self.requestTimeout = requestTimeout
        self.clock = clock
        self.say = say
    }

    public func signIn(
        _ server: ServerDefinition, scopes: [String], onAuthorizationURL: @escaping @Sendable (URL) -> Void,
        onDeviceCode: @escaping @Sendable (DeviceCodePrompt) -> Void
    ) async throws -> StoredSession {
        let target = try await discoverEndpoints(server.name, keeping: scopes)
        let stored = try await storedRegistrations(for: target)
        if let endpoint = try deviceEndpoint(target) {
            return try await deviceSignIn(
                target, endpoint: endpoint, stored: stored, onURL: onAuthorizationURL, onCode: onDeviceCode)
        }
        let say = self.say
        let inbox = CallbackInbox(expectedState: target.state) {
            say(
                "\(server.name): ignored a redirect to the callback whose state does not match this sign-in (still waiting)"
            )
        }
        let callback = try await chooseRedirect(target, preferring: stored, inbox: inbox)
        // The callback server stops only after the browser's page is out: a process that exits right after a
        // failed sign-in would otherwise cut the page off mid-write.
        let outcome: Result<StoredSession, any Error>
        do {
            outcome = .success(
                try await complete(
                    target, redirectURI: callback.redirectURI, stored: stored, inbox: inbox,
                    onAuthorizationURL: onAuthorizationURL))
        } catch {
            outcome = .failure(error)
        }
        await callback.stop()
        return try outcome.get()
    }

    /// The steps that run while the callback server listens.
    private func complete(
        _ target: SignInTarget, redirectURI: String, stored: [StoredClientRegistration], inbox: CallbackInbox,
        onAuthorizationURL: @escaping @Sendable (URL) -> Void
    ) async throws -> StoredSession {
        let client = try await chooseClient(target, redirectURI: redirectURI, stored: stored)
        let url = authorizationURL(target, client: client, redirectURI: redirectURI)
        onAuthorizationURL(url)
        present(url, server: target.server)
        let response = try await awaitCallback(target.server, inbox: inbox)
        let code = try await authorizationCode(from: response, target: target, inbox: inbox)
        let (tokens, issuedAt) = try await exchange(
            code, target: target, client: client, redirectURI: redirectURI, inbox: inbox)
        await inbox.finish(.signedIn(server: target.server))
        return session(from: tokens, issuedAt: issuedAt, target: target, client: client)
    }

    public func revoke(_ session: StoredSession) async -> RevocationOutcome {
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
                authMethod: ClientAuthMethod(rawValue: client.authMethod) ?? .none,
                knownSecrets: [session.accessToken, session.refreshToken])
            return .revoked
        } catch let error as TokenEndpointError {
            return .failed(
                ProviderText.scrub(
                    "\(error)", knownSecrets: [session.accessToken, session.refreshToken, client.clientSecret]))
        } catch {
            return .failed("\(type(of: error))")
        }
    }
}
