import ArgumentParser
import Foundation
import Health
import TokenStore

extension OAuthTop {
    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a valid access token, refreshing it first when its refresh time has passed.",
            discussion: """
                --format bare prints the token alone; header an Authorization header line; json an object with \
                access_token, token_type and expires_at; exec-credential a Kubernetes ExecCredential \
                (client.authentication.k8s.io/v1) for tools that run a credential plugin.
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The server's name in the config.") var name: String
        @Option(help: "bare, header, json or exec-credential.") var format: TokenFormat = .bare

        func run() async throws {
            let runtime = try Runtime.open(global)
            let session = try await runtime.validSession(for: try runtime.server(name))
            print(try format.render(session))
            exitSkippingCleanup()
        }
    }
}

/// How `token` prints the token: exactly what each format promises on stdout, nothing else.
enum TokenFormat: String, CaseIterable, ExpressibleByArgument {
    case bare
    case header
    case json
    case execCredential = "exec-credential"

    func render(_ session: StoredSession) throws -> String {
        switch self {
        case .bare:
            return session.accessToken
        case .header:
            return "Authorization: Bearer " + session.accessToken
        case .json:
            return try Self.encode(
                Plain(
                    accessToken: session.accessToken, tokenType: "Bearer",
                    expiresAt: session.expiresAt.map(TimeText.rfc3339)))
        case .execCredential:
            return try Self.encode(
                ExecCredential(
                    status: .init(
                        token: session.accessToken,
                        expirationTimestamp: session.expiresAt.map(TimeText.rfc3339))))
        }
    }

    private struct Plain: Encodable {
        var accessToken: String
        var tokenType: String
        var expiresAt: String?

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token", tokenType = "token_type", expiresAt = "expires_at"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(accessToken, forKey: .accessToken)
            try container.encode(tokenType, forKey: .tokenType)
            try container.encode(expiresAt, forKey: .expiresAt)  // null when the provider gave no expiry
        }
    }

    /// client.authentication.k8s.io/v1 `ExecCredential`: `status.token`, and `status.expirationTimestamp` when
    /// known (the client runs the plugin again after it).
    private struct ExecCredential: Encodable {
        struct Status: Encodable {
            var token: String
            var expirationTimestamp: String?
        }
        var apiVersion = "client.authentication.k8s.io/v1"
        var kind = "ExecCredential"
        var status: Status
    }

    private static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
