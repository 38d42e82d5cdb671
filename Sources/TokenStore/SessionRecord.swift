import Foundation
import GRDB

/// A row of `sessions`: a `StoredSession` with its client registration spread over columns (all NULL when the
/// session has none). Times are seconds since 1970. `access_token`, `refresh_token` and `client_secret` hold sealed
/// text (`SecretSealing`); a row written before sealing holds them in plaintext until the store migrates it.
struct SessionRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "sessions"

    var server: String
    var accessToken: String
    var tokenType: String
    var refreshToken: String?
    var scope: String?
    var issuedAt: Double
    var expiresAt: Double?
    var refreshTokenExpiresAt: Double?
    var tokenEndpoint: String?
    var clientID: String?
    var clientSecret: String?
    var authMethod: String?
    var resource: String?
    var serverURL: String?
    /// When this process wrote the row (wall clock); for people reading the file, not for the engine.
    var updatedAt: Double

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case server
        case accessToken = "access_token"
        case tokenType = "token_type"
        case refreshToken = "refresh_token"
        case scope
        case issuedAt = "issued_at"
        case expiresAt = "expires_at"
        case refreshTokenExpiresAt = "refresh_token_expires_at"
        case tokenEndpoint = "token_endpoint"
        case clientID = "client_id"
        case clientSecret = "client_secret"
        case authMethod = "auth_method"
        case resource
        case serverURL = "server_url"
        case updatedAt = "updated_at"
    }
}

extension SessionRecord {
    /// The row of `session`, its secrets sealed.
    init(_ session: StoredSession, updatedAt: Date, sealing: any SecretSealing) throws(SealingFailure) {
        server = session.server
        accessToken = try SealingFailure.sealing("sessions.access_token") { try sealing.seal(session.accessToken) }
        tokenType = session.tokenType
        refreshToken = try SealingFailure.sealing("sessions.refresh_token") { try sealing.seal(session.refreshToken) }
        scope = session.scope
        issuedAt = session.issuedAt.timeIntervalSince1970
        expiresAt = session.expiresAt?.timeIntervalSince1970
        refreshTokenExpiresAt = session.refreshTokenExpiresAt?.timeIntervalSince1970
        tokenEndpoint = session.client?.tokenEndpoint
        clientID = session.client?.clientID
        clientSecret = try SealingFailure.sealing("sessions.client_secret") {
            try sealing.seal(session.client?.clientSecret)
        }
        authMethod = session.client?.authMethod
        resource = session.client?.resource
        serverURL = session.serverURL
        self.updatedAt = updatedAt.timeIntervalSince1970
    }

    /// The session this row holds, its secrets opened.
    func session(opening sealing: any SecretSealing) throws(SealingFailure) -> StoredSession {
        var client: ClientRegistration?
        if let tokenEndpoint, let clientID, let authMethod {
            let secret = try SealingFailure.opening("sessions.client_secret") { try sealing.reveal(clientSecret) }
            client = ClientRegistration(
                tokenEndpoint: tokenEndpoint, clientID: clientID, clientSecret: secret, authMethod: authMethod,
                resource: resource)
        }
        let access = try SealingFailure.opening("sessions.access_token") { try sealing.reveal(self.accessToken) }
        let refresh = try SealingFailure.opening("sessions.refresh_token") { try sealing.reveal(self.refreshToken) }
        return StoredSession(
            server: server, accessToken: access, tokenType: tokenType, refreshToken: refresh, scope: scope,
            issuedAt: Date(timeIntervalSince1970: issuedAt),
            expiresAt: expiresAt.map(Date.init(timeIntervalSince1970:)),
            refreshTokenExpiresAt: refreshTokenExpiresAt.map(Date.init(timeIntervalSince1970:)), client: client,
            serverURL: serverURL)
    }

    /// The stored refresh token, opened: what `commit(..., replacing:)` compares (sealed texts of the same token
    /// differ).
    func openedRefreshToken(_ sealing: any SecretSealing) throws(SealingFailure) -> String? {
        try SealingFailure.opening("sessions.refresh_token") { try sealing.reveal(refreshToken) }
    }

    /// Whether a secret of this row is still in plaintext (written before sealing, or by an older oauthtop).
    func holdsPlaintext(_ sealing: any SecretSealing) -> Bool {
        [accessToken, refreshToken, clientSecret].contains { $0.map { !sealing.isSealed($0) } ?? false }
    }
}

extension SessionRecord: CustomStringConvertible {
    /// Never prints a token or the client secret.
    var description: String { "SessionRecord(\(server))" }
}

extension SessionRecord {
    /// Inserts or replaces the row through one cached statement, in the caller's transaction (the hot path of
    /// every refresh; GRDB's `upsert` builds and decodes a `RETURNING` query each time).
    func upsert(_ db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO sessions (server, access_token, token_type, refresh_token, scope, issued_at, expires_at,
                    refresh_token_expires_at, token_endpoint, client_id, client_secret, auth_method, resource,
                    server_url, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (server) DO UPDATE SET
                    access_token = excluded.access_token, token_type = excluded.token_type,
                    refresh_token = excluded.refresh_token, scope = excluded.scope, issued_at = excluded.issued_at,
                    expires_at = excluded.expires_at, refresh_token_expires_at = excluded.refresh_token_expires_at,
                    token_endpoint = excluded.token_endpoint, client_id = excluded.client_id,
                    client_secret = excluded.client_secret, auth_method = excluded.auth_method,
                    resource = excluded.resource, server_url = excluded.server_url, updated_at = excluded.updated_at
                """)
        try statement.execute(arguments: [
            server, accessToken, tokenType, refreshToken, scope, issuedAt, expiresAt, refreshTokenExpiresAt,
            tokenEndpoint, clientID, clientSecret, authMethod, resource, serverURL, updatedAt,
        ])
    }

    /// The row of `server`, through a cached statement.
    static func row(of server: String, _ db: Database) throws -> SessionRecord? {
        try SessionRecord.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM sessions WHERE server = ?"), arguments: [server])
    }
}
