import Foundation
import GRDB

/// A row of `sessions`: a `StoredSession` with its client registration spread over columns (all NULL when the
/// session has none). Times are seconds since 1970.
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
        case updatedAt = "updated_at"
    }
}

extension SessionRecord {
    init(_ session: StoredSession, updatedAt: Date) {
        server = session.server
        accessToken = session.accessToken
        tokenType = session.tokenType
        refreshToken = session.refreshToken
        scope = session.scope
        issuedAt = session.issuedAt.timeIntervalSince1970
        expiresAt = session.expiresAt?.timeIntervalSince1970
        refreshTokenExpiresAt = session.refreshTokenExpiresAt?.timeIntervalSince1970
        tokenEndpoint = session.client?.tokenEndpoint
        clientID = session.client?.clientID
        clientSecret = session.client?.clientSecret
        authMethod = session.client?.authMethod
        resource = session.client?.resource
        self.updatedAt = updatedAt.timeIntervalSince1970
    }

    var session: StoredSession {
        var client: ClientRegistration?
        if let tokenEndpoint, let clientID, let authMethod {
            client = ClientRegistration(
                tokenEndpoint: tokenEndpoint, clientID: clientID, clientSecret: clientSecret, authMethod: authMethod,
                resource: resource)
        }
        return StoredSession(
            server: server, accessToken: accessToken, tokenType: tokenType, refreshToken: refreshToken, scope: scope,
            issuedAt: Date(timeIntervalSince1970: issuedAt),
            expiresAt: expiresAt.map(Date.init(timeIntervalSince1970:)),
            refreshTokenExpiresAt: refreshTokenExpiresAt.map(Date.init(timeIntervalSince1970:)), client: client)
    }
}

extension SessionRecord: CustomStringConvertible {
    /// Never prints a token or the client secret.
    var description: String { "SessionRecord(\(server))" }
}
