import Foundation
import Health
import OAuth
import RefreshEngine
import TokenStore

/// The device authorization grant (RFC 8628) for machines without a browser: the provider gives a code, the person
/// enters it at a URI on any device, and oauthtop polls the token endpoint until they have approved.
extension BrowserSignIn {
    /// The device authorization endpoint to use for this sign-in, or `nil` for a browser sign-in.
    func deviceEndpoint(_ target: SignInTarget) throws -> URL? {
        let offered = target.endpoints.deviceAuthorizationEndpoint.flatMap(URL.init(string:))
        switch deviceFlow {
        case .never:
            return nil
        case .always:
            guard let offered else {
                throw SignInError.configuration(
                    "the authorization server of '\(target.server)' offers no device authorization (RFC 8628 "
                        + "device_authorization_endpoint); sign in with a browser: oauthtop login \(target.server) "
                        + "(with --no-browser to print the URL)")
            }
            return offered
        case .whenNoBrowser:
            return offered.flatMap { browserCanReachAPerson ? nil : $0 }
        }
    }

    private var browserCanReachAPerson: Bool {
        switch browser {
        case .open(let opener), .silent(let opener): opener.canReachAPerson
        case .printOnly, .automatic: true
        }
    }

    /// Codes from the provider, shown to the person; then the token endpoint polled until they approve, deny, or
    /// the code expires. `onURL` gets the URI to open (with the code in it when the provider gives one), `onCode`
    /// the code and its expiry (the dashboard's detail pane shows both).
    func deviceSignIn(
        _ target: SignInTarget, endpoint: URL, stored: [StoredClientRegistration],
        onURL: @escaping @Sendable (URL) -> Void, onCode: @escaping @Sendable (DeviceCodePrompt) -> Void
    ) async throws -> StoredSession {
        let client = try await deviceClient(target, stored: stored)
        let device = DeviceAuthorizationClient(timeout: requestTimeout)
        let authorization: DeviceAuthorization
        do {
            authorization = try await device.authorize(
                at: endpoint, clientID: client.clientID, clientSecret: client.clientSecret,
                authMethod: client.authMethod, scope: target.scope, resource: target.resource)
        } catch {
            throw Self.failure(error, step: "device authorization at \(endpoint.absoluteString)")
        }
        present(authorization, server: target.server)
        if let shown = URL(string: authorization.verificationURIComplete ?? authorization.verificationURI) {
            onURL(shown)
        }
        onCode(
            DeviceCodePrompt(
                userCode: authorization.userCode, verificationURI: authorization.verificationURI,
                verificationURIComplete: authorization.verificationURIComplete,
                expiresAt: clock.now.addingTimeInterval(authorization.expiresIn)))
        var polling = DevicePolling(authorization, server: target.server, startedAt: clock.now)
        var step = polling.start(now: clock.now)
        while true {
            switch step {
            case .failed(let error):
                throw error
            case .signedIn:
                preconditionFailure("handled with the tokens below")
            case .poll(let seconds):
                do {
                    try await clock.sleep(seconds: seconds)
                } catch {
                    throw SignInError(.cancelled, "sign-in cancelled")
                }
                let sentAt = clock.now
                let result: Result<TokenResponse, any Error>
                do {
                    result = .success(
                        try await device.poll(
                            authorization, tokenEndpoint: target.tokenEndpoint, clientID: client.clientID,
                            clientSecret: client.clientSecret, authMethod: client.authMethod,
                            resource: target.resource))
                } catch {
                    result = .failure(error)
                }
                step = polling.answered(result, now: clock.now)
                if case .signedIn = step, case .success(let tokens) = result {
                    say("\(target.server): signed in at the provider; storing the session")
                    return session(from: tokens, issuedAt: sentAt, target: target, client: client)
                }
            }
        }
    }

    /// The configured client, else a stored registration that covers the scope (whatever its redirect), else a new
    /// registration (with the loopback redirect a browser sign-in would use: registration requires one).
    private func deviceClient(_ target: SignInTarget, stored: [StoredClientRegistration]) async throws -> SignInClient {
        if target.settings.clientID != nil || stored.contains(where: { $0.covers(scope: target.scope) }) {
            let redirect = stored.first(where: { $0.covers(scope: target.scope) })?.redirectURI ?? ""
            return try await chooseClient(target, redirectURI: redirect, stored: stored)
        }
        return try await register(target, redirectURI: "http://127.0.0.1" + redirectPath(target))
    }

    /// What the person must do, on the terminal (the user code is meant to be seen; the device code never is).
    private func present(_ authorization: DeviceAuthorization, server: String) {
        var line =
            "to sign in to \(server), open \(authorization.verificationURI) on any device and enter the code "
            + authorization.userCode
        if let complete = authorization.verificationURIComplete {
            line += " (or open \(complete), which carries the code)"
        }
        line += "; the code expires in \(TimeText.compact(authorization.expiresIn)). Waiting for your approval..."
        say(line)
    }

    private static func failure(_ error: any Error, step: String) -> SignInError {
        if let error = error as? SignInError { return error }
        if error is CancellationError { return SignInError(.cancelled, "sign-in cancelled") }
        if let error = error as? TokenEndpointError { return .from(error, step: step) }
        return .network("\(step): \(type(of: error))")
    }
}
