import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The MCP authorization discovery sequence (MCP 2025-11-25, "Authorization Server Discovery"):
///
/// 1. an unauthenticated MCP `initialize` POST to the server; a 401 carries `WWW-Authenticate: Bearer …
///    resource_metadata="…"` and perhaps `scope`;
/// 2. the protected resource metadata (RFC 9728): the `resource_metadata` URL when given, else
///    `/.well-known/oauth-protected-resource/<path>` (inserted between host and path), else the root
///    `/.well-known/oauth-protected-resource`; its `resource` must be the server URL or a parent of it;
/// 3. the first of its `authorization_servers` (without metadata: the server's origin, as MCP 2025-03-26);
/// 4. the authorization server metadata: for an issuer with a path, `/.well-known/oauth-authorization-server/<path>`,
///    `/.well-known/openid-configuration/<path>`, `<path>/.well-known/openid-configuration`; without a path,
///    `/.well-known/oauth-authorization-server`, `/.well-known/openid-configuration`. The `issuer` in the document
///    must be identical to the one the URL was built from (RFC 8414 section 3.3), else the document is not used;
/// 5. `code_challenge_methods_supported` must list `S256`, else sign-in is refused.
///
/// Every URL the answers name (the `resource_metadata`, the authorization server, each endpoint) must be `https`
/// (`SecureTransport`) and must stay in the MCP server's kind of network (`NetworkBoundary`): a public server cannot
/// send oauthtop to a link-local, private or loopback address.
///
/// Every failure is a `SignInError`: `network` when a request did not get an answer or got a 5xx, `configuration`
/// when the answers show that sign-in cannot work.
public final class Discovery: Sendable {
    private let wire: WireSession

    /// `timeout` bounds each request.
    public init(timeout: TimeInterval = 30, userAgent: String = "oauthtop/0.1") {
        wire = WireSession(timeout: timeout, userAgent: userAgent)
    }

    public func discover(serverURL: URL) async throws(SignInError) -> DiscoveryResult {
        if let problem = SecureTransport.problem(with: serverURL, what: "the MCP server URL") {
            throw .configuration(problem)
        }
        let challenge = try await challenge(serverURL)
        let metadata = try await protectedResourceMetadata(serverURL, challenge: challenge)
        let issuer: String
        if let server = metadata?.authorizationServers.first {
            issuer = server
        } else if let origin = Self.origin(of: serverURL) {
            issuer = origin
        } else {
            throw .configuration("the server URL \(serverURL.absoluteString) has no host")
        }
        let authorization = try await authorizationServerMetadata(issuer: issuer, serverURL: serverURL)
        guard authorization.codeChallengeMethods.contains(PKCE.method) else {
            let listed = authorization.codeChallengeMethods
            throw .configuration(
                "the authorization server \(issuer) does not support PKCE with S256 (code_challenge_methods_supported: "
                    + (listed.isEmpty ? "absent" : listed.joined(separator: ", "))
                    + "); MCP requires it, so oauthtop will not sign in there")
        }
        return DiscoveryResult(
            serverURL: serverURL.absoluteString, resource: metadata?.resource, resourceMetadataURL: metadata?.url,
            challengedScope: challenge?.scope, scopesSupported: metadata?.scopesSupported ?? [], issuer: issuer,
            metadataURL: authorization.url, authorizationEndpoint: authorization.authorizationEndpoint,
            tokenEndpoint: authorization.tokenEndpoint, registrationEndpoint: authorization.registrationEndpoint,
            revocationEndpoint: authorization.revocationEndpoint,
            codeChallengeMethodsSupported: authorization.codeChallengeMethods,
            tokenEndpointAuthMethodsSupported: authorization.tokenEndpointAuthMethods,
            issParameterSupported: authorization.issParameterSupported,
            clientIDMetadataDocumentSupported: authorization.clientIDMetadataDocumentSupported,
            deviceAuthorizationEndpoint: authorization.deviceAuthorizationEndpoint)
    }

    // MARK: Step 1: the 401

    /// The Bearer challenge of the server's answer to an unauthenticated `initialize`; `nil` when it did not
    /// answer 401 or sent no Bearer challenge (the well-known locations are tried then).
    func challenge(_ serverURL: URL) async throws(SignInError) -> BearerChallenge? {
        var request = wire.request(serverURL, method: "POST", accept: "application/json, text/event-stream")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(ConnectionProbe.initializeBody.utf8)
        let answer: HTTPAnswer
        do {
            // The first event of an SSE answer is enough; a server without auth may keep the stream open.
            answer = try await wire.send(request, isComplete: { _, body in SSE.firstEvent(in: body) != nil })
        } catch {
            throw Self.failure(error, step: "MCP server \(serverURL.absoluteString)")
        }
        guard answer.status == 401, let header = answer.wwwAuthenticate else { return nil }
        return BearerChallenge(header: header)
    }

    // MARK: Step 2: protected resource metadata (RFC 9728)

    struct ResourceMetadata: Equatable {
        var url: String
        var resource: String
        var authorizationServers: [String]
        var scopesSupported: [String]
    }

    func protectedResourceMetadata(
        _ serverURL: URL, challenge: BearerChallenge?
    ) async throws(SignInError) -> ResourceMetadata? {
        var candidates: [URL] = []
        if let given = challenge?.resourceMetadata, let url = URL(string: given), Self.isHTTP(url) {
            let what = "the protected resource metadata named by \(serverURL.absoluteString)"
            if let problem = SecureTransport.problem(with: url, what: what)
                ?? NetworkBoundary.problem(with: url, what: "the protected resource metadata", serverURL: serverURL)
            {
                throw .configuration(problem)
            }
            candidates.append(url)
        }
        for url in Self.protectedResourceMetadataURLs(for: serverURL) where !candidates.contains(url) {
            candidates.append(url)
        }
        for url in candidates {
            guard let object = try await fetchJSON(url, step: "protected resource metadata") else { continue }
            guard let resource = object.string("resource") else { continue }
            guard Self.resource(resource, covers: serverURL) else {
                throw .configuration(
                    "the protected resource metadata at \(url.absoluteString) is for \(resource), not for "
                        + serverURL.absoluteString)
            }
            let servers = (object.strings("authorization_servers") ?? []).filter {
                URL(string: $0).map(Self.isHTTP) ?? false
            }
            return ResourceMetadata(
                url: url.absoluteString, resource: resource, authorizationServers: servers,
                scopesSupported: object.strings("scopes_supported") ?? [])
        }
        return nil
    }

    /// RFC 9728 section 3.1: the well-known path inserted between host and path, then the root location.
    public static func protectedResourceMetadataURLs(for serverURL: URL) -> [URL] {
        let path = trimmedPath(serverURL)
        var urls: [URL] = []
        if !path.isEmpty, let inserted = withPath(serverURL, "/.well-known/oauth-protected-resource" + path) {
            urls.append(inserted)
        }
        if let root = withPath(serverURL, "/.well-known/oauth-protected-resource") { urls.append(root) }
        return urls
    }

    /// The metadata's `resource` is the server URL, or a parent of it on the same origin (the mcp SDK's rule:
    /// `https://h/v1` covers `https://h/v1/mcp`).
    static func resource(_ resource: String, covers serverURL: URL) -> Bool {
        guard let url = URL(string: resource), origin(of: url) == origin(of: serverURL) else { return false }
        let parent = trimmedPath(url)
        let child = trimmedPath(serverURL)
        return parent.isEmpty || child == parent || child.hasPrefix(parent + "/")
    }

    // MARK: Step 4: authorization server metadata (RFC 8414, OpenID Connect Discovery)

    struct ServerMetadata: Equatable {
        var url: String
        var authorizationEndpoint: String
        var tokenEndpoint: String
        var registrationEndpoint: String?
        var revocationEndpoint: String?
        var codeChallengeMethods: [String]
        var tokenEndpointAuthMethods: [String]?
        var issParameterSupported = false
        var clientIDMetadataDocumentSupported = false
        var deviceAuthorizationEndpoint: String?
    }

    func authorizationServerMetadata(issuer: String, serverURL: URL) async throws(SignInError) -> ServerMetadata {
        guard let issuerURL = URL(string: issuer), Self.isHTTP(issuerURL) else {
            throw .configuration("the authorization server \(issuer) is not an http(s) URL")
        }
        if let problem = SecureTransport.problem(with: issuerURL, what: "the authorization server")
            ?? NetworkBoundary.problem(with: issuerURL, what: "the authorization server", serverURL: serverURL)
        {
            throw .configuration(problem)
        }
        let candidates = Self.authorizationServerMetadataURLs(for: issuerURL)
        var mismatch: String?
        for url in candidates {
            guard let object = try await fetchJSON(url, step: "authorization server metadata") else { continue }
            guard object.string("issuer") == issuer else {
                mismatch =
                    "the metadata at \(url.absoluteString) names the issuer "
                    + "\(object.string("issuer").map { ProviderText.line($0, limit: 200) } ?? "(none)"), "
                    + "not \(issuer) (RFC 8414 requires them identical)"
                continue
            }
            let endpoint = { (key: String) throws(SignInError) -> String? in
                try Self.secureEndpoint(object, key, metadataURL: url, serverURL: serverURL)
            }
            guard let authorization = try endpoint("authorization_endpoint"),
                let token = try endpoint("token_endpoint")
            else {
                throw .configuration(
                    "the authorization server metadata at \(url.absoluteString) lacks an http(s) authorization_endpoint "
                        + "or token_endpoint")
            }
            return ServerMetadata(
                url: url.absoluteString, authorizationEndpoint: authorization, tokenEndpoint: token,
                registrationEndpoint: try endpoint("registration_endpoint"),
                revocationEndpoint: try endpoint("revocation_endpoint"),
                codeChallengeMethods: object.strings("code_challenge_methods_supported") ?? [],
                tokenEndpointAuthMethods: object.strings("token_endpoint_auth_methods_supported"),
                issParameterSupported: object.bool("authorization_response_iss_parameter_supported") ?? false,
                clientIDMetadataDocumentSupported: object.bool("client_id_metadata_document_supported") ?? false,
                deviceAuthorizationEndpoint: try endpoint("device_authorization_endpoint"))
        }
        throw .configuration(
            mismatch
                ?? "no authorization server metadata for \(issuer) (tried "
                + candidates.map(\.absoluteString).joined(separator: ", ") + ")")
    }

    /// The MCP 2025-11-25 order: for an issuer with a path, RFC 8414 path insertion, OpenID path insertion, OpenID
    /// path appending; without a path, RFC 8414 then OpenID.
    public static func authorizationServerMetadataURLs(for issuer: URL) -> [URL] {
        let path = trimmedPath(issuer)
        let locations =
            path.isEmpty
            ? ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"]
            : [
                "/.well-known/oauth-authorization-server" + path, "/.well-known/openid-configuration" + path,
                path + "/.well-known/openid-configuration",
            ]
        return locations.compactMap { withPath(issuer, $0) }
    }

    // MARK: Helpers

    /// The JSON object at `url`; `nil` for any non-2xx answer or a body that is not a JSON object (the next
    /// location is tried). No answer at all, or a 5xx, ends discovery: the provider is not reachable now.
    private func fetchJSON(_ url: URL, step: String) async throws(SignInError) -> JSONObject? {
        let answer: HTTPAnswer
        do {
            answer = try await wire.send(wire.request(url, method: "GET", accept: "application/json"))
        } catch {
            throw Self.failure(error, step: "\(step) at \(url.absoluteString)")
        }
        if answer.status >= 500 {
            throw .network("\(step) at \(url.absoluteString): HTTP \(answer.status)")
        }
        guard (200..<300).contains(answer.status), !answer.bodyOverLimit else { return nil }
        return JSONObject(answer.body)
    }

    static func failure(_ error: any Error, step: String) -> SignInError {
        if error is CancellationError { return SignInError(.cancelled, "sign-in cancelled") }
        if let error = error as? TokenEndpointError { return .from(error, step: step) }
        return .network("\(step): \(type(of: error))")
    }

    static func isHTTP(_ url: URL) -> Bool {
        guard let scheme = url.scheme?.lowercased(), let host = url.host else { return false }
        return (scheme == "http" || scheme == "https") && !host.isEmpty
    }

    /// The endpoint under `key`: `nil` when absent or not an http(s) URL; an error when it is plain http off the
    /// loopback host (the transport rule: a code, a verifier or a token would travel in cleartext) or outside the
    /// MCP server's kind of network (`NetworkBoundary`).
    static func secureEndpoint(
        _ object: JSONObject, _ key: String, metadataURL: URL, serverURL: URL
    ) throws(SignInError) -> String? {
        guard let text = object.string(key), let url = URL(string: text), isHTTP(url) else { return nil }
        let what = "the \(key) of the authorization server metadata at \(metadataURL.absoluteString),"
        if let problem = SecureTransport.problem(with: url, what: what)
            ?? NetworkBoundary.problem(with: url, what: what, serverURL: serverURL)
        {
            throw .configuration(problem)
        }
        return text
    }

    /// `scheme://host[:port]`, lowercased scheme and host.
    static func origin(of url: URL) -> String? {
        guard let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased(), !host.isEmpty else {
            return nil
        }
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(shownHost)" + (url.port.map { ":\($0)" } ?? "")
    }

    /// The URL's path without a terminating `/` (RFC 8414 section 3.1); empty for the root.
    static func trimmedPath(_ url: URL) -> String {
        var path = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? url.path
        while path.hasSuffix("/") { path.removeLast() }
        return path
    }

    private static func withPath(_ url: URL, _ path: String) -> URL? {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return nil }
        components.percentEncodedPath = path
        components.query = nil
        components.fragment = nil
        return components.url
    }
}
