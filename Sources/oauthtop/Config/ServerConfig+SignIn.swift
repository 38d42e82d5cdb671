import SignIn

extension ServerConfig {
    /// What the browser sign-in needs from this server's entry.
    var signInSettings: SignInSettings {
        SignInSettings(
            url: url, clientID: oauth.clientID, clientSecret: oauth.clientSecret,
            tokenEndpointAuthMethod: oauth.tokenEndpointAuthMethod, scopes: oauth.scopes,
            authorizationEndpoint: oauth.authorizationEndpoint, tokenEndpoint: oauth.tokenEndpoint,
            registrationEndpoint: oauth.registrationEndpoint, resource: oauth.resource,
            redirectPort: oauth.redirectPort,
            extraParams: oauth.extraParams, registrationMetadata: oauth.registrationMetadata,
            clientMetadataURL: oauth.clientMetadataURL)
    }
}
