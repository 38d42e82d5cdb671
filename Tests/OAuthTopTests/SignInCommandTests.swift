import Foundation
import OAuth
import SignIn
import Testing

@testable import oauthtop

@Suite struct SignInCommandTests {
    @Test func signInFailuresMapToDESIGNsExitCodes() {
        #expect(OAuthTop.Login.exit(for: .network) == .retryable)
        #expect(OAuthTop.Login.exit(for: .configuration) == .usage)
        for kind: SignInError.Kind in [.denied, .timedOut, .cancelled, .provider] {
            #expect(OAuthTop.Login.exit(for: kind) == .signIn)
        }
    }

    @Test func theConfigsOAuthBlockBecomesTheSignInSettings() {
        let secret = "kV8pZr3QmX1wT6yN0bJf5hLc9sDg2aEu"
        let server = ServerConfig(
            name: "jira", url: "https://mcp.atlassian.example/v1/mcp", enabled: true,
            oauth: OAuthSettings(
                clientID: "oauthtop-cli", clientSecret: secret, scopes: ["read:jira-work", "offline_access"],
                authorizationEndpoint: URL(string: "https://auth.atlassian.example/authorize"),
                tokenEndpoint: URL(string: "https://auth.atlassian.example/oauth/token"),
                registrationEndpoint: URL(string: "https://auth.atlassian.example/register"),
                resource: "https://mcp.atlassian.example/v1", redirectPort: 53682, extraParams: ["audience": "api"],
                tokenEndpointAuthMethod: "client_secret_basic"))
        let settings = server.signInSettings
        #expect(
            settings
                == SignInSettings(
                    url: "https://mcp.atlassian.example/v1/mcp", clientID: "oauthtop-cli", clientSecret: secret,
                    tokenEndpointAuthMethod: "client_secret_basic", scopes: ["read:jira-work", "offline_access"],
                    authorizationEndpoint: URL(string: "https://auth.atlassian.example/authorize"),
                    tokenEndpoint: URL(string: "https://auth.atlassian.example/oauth/token"),
                    registrationEndpoint: URL(string: "https://auth.atlassian.example/register"),
                    resource: "https://mcp.atlassian.example/v1", redirectPort: 53682,
                    extraParams: ["audience": "api"]))
        #expect(
            "\(settings)"
                == "SignInSettings(https://mcp.atlassian.example/v1/mcp, client_id: oauthtop-cli, secret: yes)")
        #expect(!"\(settings)".contains(secret))
    }
}
