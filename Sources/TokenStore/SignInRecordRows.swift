import Foundation
import GRDB

/// A row of `discoveries`. Lists are stored space-separated (scopes and PKCE methods contain no spaces).
struct DiscoveryRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "discoveries"

    var server: String
    var serverURL: String
    var resource: String?
    var resourceMetadataURL: String?
    var challengedScope: String?
    var scopesSupported: String
    var issuer: String?
    var metadataURL: String?
    var authorizationEndpoint: String
    var tokenEndpoint: String
    var registrationEndpoint: String?
    var revocationEndpoint: String?
    var codeChallengeMethods: String
    var discoveredAt: Double

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case server
        case serverURL = "server_url"
        case resource
        case resourceMetadataURL = "resource_metadata_url"
        case challengedScope = "challenged_scope"
        case scopesSupported = "scopes_supported"
        case issuer
        case metadataURL = "metadata_url"
        case authorizationEndpoint = "authorization_endpoint"
        case tokenEndpoint = "token_endpoint"
        case registrationEndpoint = "registration_endpoint"
        case revocationEndpoint = "revocation_endpoint"
        case codeChallengeMethods = "code_challenge_methods"
        case discoveredAt = "discovered_at"
    }

    init(_ discovery: StoredDiscovery) {
        server = discovery.server
        serverURL = discovery.serverURL
        resource = discovery.resource
        resourceMetadataURL = discovery.resourceMetadataURL
        challengedScope = discovery.challengedScope
        scopesSupported = discovery.scopesSupported.joined(separator: " ")
        issuer = discovery.issuer
        metadataURL = discovery.metadataURL
        authorizationEndpoint = discovery.authorizationEndpoint
        tokenEndpoint = discovery.tokenEndpoint
        registrationEndpoint = discovery.registrationEndpoint
        revocationEndpoint = discovery.revocationEndpoint
        codeChallengeMethods = discovery.codeChallengeMethods.joined(separator: " ")
        discoveredAt = discovery.discoveredAt.timeIntervalSince1970
    }

    var discovery: StoredDiscovery {
        StoredDiscovery(
            server: server, serverURL: serverURL, resource: resource, resourceMetadataURL: resourceMetadataURL,
            challengedScope: challengedScope, scopesSupported: Self.list(scopesSupported), issuer: issuer,
            metadataURL: metadataURL, authorizationEndpoint: authorizationEndpoint, tokenEndpoint: tokenEndpoint,
            registrationEndpoint: registrationEndpoint, revocationEndpoint: revocationEndpoint,
            codeChallengeMethods: Self.list(codeChallengeMethods),
            discoveredAt: Date(timeIntervalSince1970: discoveredAt))
    }

    private static func list(_ text: String) -> [String] {
        text.split(separator: " ").map(String.init)
    }
}

/// A row of `client_registrations`, keyed by (server, issuer, redirect_uri).
struct ClientRegistrationRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "client_registrations"

    var server: String
    var issuer: String
    var redirectURI: String
    var clientID: String
    var clientSecret: String?
    var authMethod: String
    var clientSecretExpiresAt: Double?
    var registeredAt: Double
    var scope: String?

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case server, issuer
        case redirectURI = "redirect_uri"
        case clientID = "client_id"
        case clientSecret = "client_secret"
        case authMethod = "auth_method"
        case clientSecretExpiresAt = "client_secret_expires_at"
        case registeredAt = "registered_at"
        case scope
    }

    /// The row of `registration`, its secret sealed.
    init(_ registration: StoredClientRegistration, sealing: any SecretSealing) throws(SealingFailure) {
        server = registration.server
        issuer = registration.issuer
        redirectURI = registration.redirectURI
        clientID = registration.clientID
        clientSecret = try SealingFailure.sealing("client_registrations.client_secret") {
            try sealing.seal(registration.clientSecret)
        }
        authMethod = registration.authMethod
        clientSecretExpiresAt = registration.clientSecretExpiresAt?.timeIntervalSince1970
        registeredAt = registration.registeredAt.timeIntervalSince1970
        scope = registration.scope
    }

    /// The registration this row holds, its secret opened.
    func registration(opening sealing: any SecretSealing) throws(SealingFailure) -> StoredClientRegistration {
        let secret = try SealingFailure.opening("client_registrations.client_secret") {
            try sealing.reveal(self.clientSecret)
        }
        return StoredClientRegistration(
            server: server, issuer: issuer, redirectURI: redirectURI, clientID: clientID, clientSecret: secret,
            authMethod: authMethod, clientSecretExpiresAt: clientSecretExpiresAt.map(Date.init(timeIntervalSince1970:)),
            registeredAt: Date(timeIntervalSince1970: registeredAt), scope: scope)
    }

    /// Whether the secret is still in plaintext (written before sealing).
    func holdsPlaintext(_ sealing: any SecretSealing) -> Bool {
        clientSecret.map { !sealing.isSealed($0) } ?? false
    }
}

extension ClientRegistrationRecord: CustomStringConvertible {
    /// Never prints the secret.
    var description: String { "ClientRegistrationRecord(\(server), \(issuer), \(redirectURI))" }
}

extension SQLiteTokenStore: SignInRecords {
    public func discovery(for server: String) async throws -> StoredDiscovery? {
        try await reading { db in try DiscoveryRecord.fetchOne(db, key: server)?.discovery }
    }

    public func saveDiscovery(_ discovery: StoredDiscovery) async throws {
        let record = DiscoveryRecord(discovery)
        try await writing { db in try record.upsert(db) }
    }

    public func clientRegistrations(for server: String, issuer: String) async throws -> [StoredClientRegistration] {
        typealias Columns = ClientRegistrationRecord.CodingKeys
        return try await reading { db in
            try ClientRegistrationRecord
                .filter(Columns.server == server && Columns.issuer == issuer)
                .order(Columns.registeredAt.desc)
                .fetchAll(db).map { try $0.registration(opening: sealing) }
        }
    }

    public func saveClientRegistration(_ registration: StoredClientRegistration) async throws {
        let record = try sealed { try ClientRegistrationRecord(registration, sealing: sealing) }
        try await writing { db in try record.upsert(db) }
    }

    public func deleteClientRegistration(server: String, issuer: String, redirectURI: String) async throws {
        typealias Columns = ClientRegistrationRecord.CodingKeys
        try await writing { db in
            _ =
                try ClientRegistrationRecord
                .filter(Columns.server == server && Columns.issuer == issuer && Columns.redirectURI == redirectURI)
                .deleteAll(db)
        }
    }
}

extension InMemoryTokenStore: SignInRecords {}
