import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The device authorization response (RFC 8628 section 3.2): what the user must do, and the device code (secret)
/// that the token requests carry.
public struct DeviceAuthorization: Sendable, Equatable {
    /// Secret: only on the wire, never printed.
    public var deviceCode: String
    /// What the user types at `verificationURI`; shown to the user, so not secret in the same way, but never
    /// logged.
    public var userCode: String
    public var verificationURI: String
    /// The URI with the user code in it, when the provider gives one.
    public var verificationURIComplete: String?
    /// Seconds the codes live.
    public var expiresIn: Double
    /// Seconds between token requests (RFC 8628: 5 when absent).
    public var interval: Double

    public init(
        deviceCode: String, userCode: String, verificationURI: String, verificationURIComplete: String? = nil,
        expiresIn: Double, interval: Double = 5
    ) {
        self.deviceCode = deviceCode
        self.userCode = userCode
        self.verificationURI = verificationURI
        self.verificationURIComplete = verificationURIComplete
        self.expiresIn = expiresIn
        self.interval = interval
    }

    /// Reads a response body; `nil` with the reason when it is not a usable device authorization response.
    static func read(_ object: JSONObject) -> Result<DeviceAuthorization, TokenEndpointError> {
        func malformed(_ detail: String) -> Result<DeviceAuthorization, TokenEndpointError> {
            .failure(TokenEndpointError(kind: .malformedResponse, status: 200, detail: detail))
        }
        guard let deviceCode = object.string("device_code"), let userCode = object.string("user_code") else {
            return malformed("not a device authorization response: no device_code or user_code")
        }
        // RFC 8628 says verification_uri; early drafts (and Google) said verification_url.
        guard let uri = object.string("verification_uri") ?? object.string("verification_url") else {
            return malformed("not a device authorization response: no verification_uri")
        }
        guard let expiresIn = object.number("expires_in"), expiresIn.isFinite, expiresIn > 0 else {
            return malformed("the device authorization response has no positive expires_in")
        }
        let interval = object.number("interval").flatMap { $0.isFinite && $0 > 0 ? min($0, 300) : nil } ?? 5
        return .success(
            DeviceAuthorization(
                deviceCode: deviceCode, userCode: TokenAnswer.clean(userCode, limit: 64),
                verificationURI: TokenAnswer.clean(uri, limit: 500),
                verificationURIComplete: object.string("verification_uri_complete").map {
                    TokenAnswer.clean($0, limit: 1000)
                }, expiresIn: min(expiresIn, 24 * 3600), interval: interval))
    }
}

extension DeviceAuthorization: CustomStringConvertible {
    /// Never prints the device code or the user code.
    public var description: String { "DeviceAuthorization(\(verificationURI), expires in \(Int(expiresIn)) s)" }
}

/// The two requests of the device authorization grant (RFC 8628): ask for codes, then poll the token endpoint.
public final class DeviceAuthorizationClient: Sendable {
    public static let grantType = "urn:ietf:params:oauth:grant-type:device_code"
    private let wire: WireSession
    private let tokens: TokenClient

    public init(timeout: TimeInterval = 30, userAgent: String = "oauthtop/0.1") {
        wire = WireSession(timeout: timeout, userAgent: userAgent)
        tokens = TokenClient(timeout: timeout, userAgent: userAgent)
    }

    /// RFC 8628 section 3.1: the client, the scope and the resource (RFC 8707) to the device authorization
    /// endpoint.
    public func authorize(
        at endpoint: URL, clientID: String, clientSecret: String? = nil, authMethod: ClientAuthMethod = .none,
        scope: String?, resource: String?
    ) async throws -> DeviceAuthorization {
        let client = ClientAuthentication(clientID: clientID, clientSecret: clientSecret, method: authMethod)
        var form = client.formFields
        if let scope, !scope.isEmpty { form.append(("scope", scope)) }
        if let resource { form.append(("resource", resource)) }
        let answer = try await wire.send(wire.formPost(endpoint, form: form, client: client))
        guard (200..<300).contains(answer.status), !answer.bodyOverLimit, let object = JSONObject(answer.body) else {
            // Not a success: the same error reading as a token endpoint's (RFC 8628 section 3.2 refers to it).
            _ = try TokenAnswer.interpret(answer, knownSecrets: [clientSecret])
            throw TokenEndpointError(kind: .malformedResponse, status: answer.status, detail: "not a JSON object")
        }
        return try DeviceAuthorization.read(object).get()
    }

    /// One token request with the device code (RFC 8628 section 3.4). `authorization_pending`, `slow_down`,
    /// `access_denied` and `expired_token` come back as `TokenEndpointError` codes for `DevicePolling`.
    public func poll(
        _ authorization: DeviceAuthorization, tokenEndpoint: URL, clientID: String, clientSecret: String? = nil,
        authMethod: ClientAuthMethod = .none, resource: String?
    ) async throws -> TokenResponse {
        try await tokens.requestToken(
            endpoint: tokenEndpoint,
            parameters: [("grant_type", Self.grantType), ("device_code", authorization.deviceCode)],
            clientID: clientID, clientSecret: clientSecret, authMethod: authMethod, resource: resource)
    }
}
