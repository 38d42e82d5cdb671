import ArgumentParser
import Foundation
import Health
import OAuth
import TokenStore

extension OAuthTop {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Adopt a token response (JSON on stdin) as the server's session.",
            discussion: """
                Reads {"access_token", "refresh_token", "expires_in" or "expires_at", "token_type", "scope"} and \
                optionally "client_id", "client_secret", "token_endpoint", "token_endpoint_auth_method", \
                "resource" (what the config's oauth block does not already give).
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The server's name in the config.") var name: String

        func run() async throws {
            let runtime = try Runtime.open(global)
            let server = try runtime.server(name)
            let input = FileHandle.standardInput.readData(ofLength: 1 << 20)
            let session: StoredSession
            do {
                session = try TokenImport.parse(input, server: server, now: Date())
            } catch {
                throw fail(.usage, "stdin: \(error)")
            }
            try await runtime.store.save(session)
            try await runtime.store.saveRefreshState(
                StoredRefreshState(
                    state: session.refreshToken == nil || session.expiresAt == nil ? "idle" : "scheduled"),
                for: name)
            runtime.logger.info("OAuth session imported", metadata: ["server": "\(name)"])
            var line = "\(name): session imported"
            if let expiresAt = session.expiresAt {
                line +=
                    "; access token expires \(TimeText.relative(expiresAt, now: Date())) (\(TimeText.rfc3339(expiresAt)))"
            } else {
                line += "; no expiry given"
            }
            line += session.refreshToken == nil ? "; no refresh token" : "; refresh token stored"
            print(line)
            if session.client == nil && session.refreshToken != nil {
                printError(
                    "no token endpoint and client_id for '\(name)': oauthtop cannot refresh this session; add "
                        + "oauth.token_endpoint and oauth.client_id to the config, or include them in the JSON")
            }
        }
    }
}

/// The JSON a token endpoint returns (plus the client it was issued to), checked key by key.
enum TokenImport {
    struct Problem: Error, CustomStringConvertible {
        var key: String?
        var text: String
        var description: String { key.map { "key '\($0)': \(text)" } ?? text }
    }

    static func parse(_ data: Data, server: ServerConfig, now: Date) throws(Problem) -> StoredSession {
        guard !data.isEmpty else {
            throw Problem(text: "empty; pipe a token response in, e.g. oauthtop import NAME < token.json")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw Problem(text: "not a JSON object")
        }
        func string(_ key: String, required: Bool = false) throws(Problem) -> String? {
            guard let value = object[key], !(value is NSNull) else {
                if required { throw Problem(key: key, text: "missing") }
                return nil
            }
            guard let text = value as? String, !text.isEmpty else {
                throw Problem(key: key, text: "must be a non-empty string")
            }
            return text
        }
        let accessToken = try string("access_token", required: true)!
        // The flaw names the kind of character, never the token (docs/security.md).
        if let flaw = TokenSyntax.accessTokenFlaw(accessToken) {
            throw Problem(key: "access_token", text: "not an RFC 6750 token: it has \(flaw)")
        }
        if let refreshToken = try string("refresh_token"), let flaw = TokenSyntax.refreshTokenFlaw(refreshToken) {
            throw Problem(key: "refresh_token", text: "cannot be sent back in a form: it has \(flaw)")
        }
        var expiresAt: Date?
        if let raw = object["expires_in"], !(raw is NSNull) {
            guard let seconds = number(raw), seconds.isFinite, seconds > 0, seconds <= maxLifetime else {
                throw Problem(
                    key: "expires_in", text: "must be a positive number of seconds, at most \(Int(maxLifetime))")
            }
            expiresAt = now.addingTimeInterval(seconds)
        } else if let raw = object["expires_at"], !(raw is NSNull) {
            if let number = number(raw) {
                let seconds = number > 1e11 ? number / 1000 : number
                guard seconds.isFinite, (1...latestTime).contains(seconds) else {
                    throw Problem(
                        key: "expires_at",
                        text: "must be seconds (or milliseconds) since 1970 before the year 10000, or an RFC 3339 time")
                }
                expiresAt = Date(timeIntervalSince1970: seconds)
            } else if let text = raw as? String, let date = try? Date(text, strategy: .iso8601) {
                expiresAt = date
            } else {
                throw Problem(key: "expires_at", text: "must be seconds since 1970 or an RFC 3339 time")
            }
        }
        var client = server.oauth.registration(resource: server.url)
        if let endpoint = try string("token_endpoint") {
            guard let url = URL(string: endpoint), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
                url.host != nil
            else {
                throw Problem(key: "token_endpoint", text: "must be an absolute http(s) URL")
            }
            let clientID = try string("client_id") ?? server.oauth.clientID
            guard let clientID else {
                throw Problem(key: "client_id", text: "missing; a token_endpoint needs the client_id it issued to")
            }
            let secret =
                try string("client_secret") ?? (clientID == server.oauth.clientID ? server.oauth.clientSecret : nil)
            let method = try string("token_endpoint_auth_method") ?? (secret == nil ? "none" : "client_secret_post")
            guard ["none", "client_secret_post", "client_secret_basic"].contains(method) else {
                throw Problem(
                    key: "token_endpoint_auth_method", text: "must be none, client_secret_post or client_secret_basic")
            }
            client = ClientRegistration(
                tokenEndpoint: url.absoluteString, clientID: clientID, clientSecret: secret, authMethod: method,
                resource: try string("resource") ?? server.oauth.resource ?? server.url)
        } else if try string("client_id") != nil, client == nil {
            throw Problem(key: "token_endpoint", text: "missing; a client_id needs the token_endpoint it belongs to")
        }
        return StoredSession(
            server: server.name, accessToken: accessToken, tokenType: try string("token_type") ?? "Bearer",
            refreshToken: try string("refresh_token"), scope: try string("scope"), issuedAt: now, expiresAt: expiresAt,
            client: client, serverURL: server.url)
    }

    /// `expires_in` at most `Int32.max` seconds, as the wire clamps it (about 68 years).
    static let maxLifetime = Double(Int32.max)
    /// `expires_at` before 10000-01-01T00:00:00Z.
    static let latestTime: Double = 253_402_300_800

    private static func number(_ value: Any) -> Double? {
        if let number = value as? NSNumber, !ConfigLoader.isBool(value) { return number.doubleValue }
        if let text = value as? String { return Double(text) }
        return nil
    }
}
