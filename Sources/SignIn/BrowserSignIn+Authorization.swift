import Foundation
import Health
import OAuth

extension BrowserSignIn {
    // MARK: Step 4: the authorization request

    /// PKCE S256, `state`, `resource`, the scope and the config's `extra_params`.
    func authorizationURL(_ target: SignInTarget, client: SignInClient, redirectURI: String) -> URL {
        AuthorizationRequest(
            endpoint: target.authorizationEndpoint, clientID: client.clientID, redirectURI: redirectURI,
            scope: target.scope, state: target.state, codeChallenge: target.pkce.challenge, resource: target.resource,
            extraParameters: target.settings.extraParams
        ).url
    }

    /// Sends the user to `url` the way `browser` says.
    func present(_ url: URL, server: String) {
        let host = url.host ?? "the provider"
        switch browser {
        case .printOnly:
            say("open this URL in a browser to sign in to \(server):\n\(url.absoluteString)")
        case .open(let opener):
            if opener.open(url) {
                say(
                    "opened a browser (\(opener.command ?? "browser")) to sign in to \(server) at \(host); "
                        + "waiting for it to come back")
            } else {
                say(
                    "no browser to open ($BROWSER unset and no xdg-open); open this URL to sign in to \(server):\n"
                        + url.absoluteString)
            }
        case .silent(let opener):
            _ = opener.open(url)
        case .automatic(let follow):
            follow(url)
        }
    }

    // MARK: Step 5: the callback

    /// The first redirect with this sign-in's `state`, within `timeout`; cancelling the task ends the wait.
    func awaitCallback(_ server: String, inbox: CallbackInbox) async throws -> CallbackInbox.Redirect {
        let (clock, timeout) = (self.clock, self.timeout)
        let deadline = Task {
            try await clock.sleep(seconds: timeout)
            await inbox.fail(
                SignInError(
                    .timedOut,
                    "nobody completed the sign-in in the browser within \(TimeText.compact(timeout)); "
                        + "run oauthtop login \(server) again"))
        }
        defer { deadline.cancel() }
        return try await withTaskCancellationHandler {
            try await inbox.response()
        } onCancel: {
            Task { await inbox.fail(SignInError(.cancelled, "sign-in cancelled")) }
        }
    }

    /// The code the redirect carries; an error, an empty redirect or one from another authorization server (its
    /// `iss`, RFC 9207) ends the sign-in and tells the browser why.
    func authorizationCode(
        from redirect: CallbackInbox.Redirect, target: SignInTarget, inbox: CallbackInbox
    ) async throws -> String {
        // Only an issuer read from metadata can be checked: with endpoints from the config it is not known.
        if !target.endpoints.metadataURL.isEmpty,
            let problem = AuthorizationIssuer.problem(
                received: redirect.issuer, expected: target.issuer, required: target.endpoints.issParameterSupported)
        {
            await inbox.finish(.failed("oauthtop stopped the sign-in: \(problem)."))
            throw SignInError.provider(problem)
        }
        switch redirect.response {
        case .code(let code):
            return code
        case .error(let code, let description):
            // The provider's words, scrubbed again now that the sign-in's secrets are known.
            let reason = ProviderText.scrub(
                code + (description.map { ": \($0)" } ?? ""), knownSecrets: [target.state, target.pkce.verifier])
            await inbox.finish(.failed("The provider said: \(reason)."))
            throw SignInError(
                .denied,
                code == "access_denied"
                    ? "the sign-in was denied at the provider (\(reason))"
                    : "the provider ended the sign-in with an error (\(reason))")
        case .malformed:
            await inbox.finish(.failed("The provider's redirect carried neither an authorization code nor an error."))
            throw SignInError.provider("the provider's redirect carried no authorization code")
        }
    }
}
