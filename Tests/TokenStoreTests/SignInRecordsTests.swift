import Foundation
import Testing

@testable import TokenStore

/// Discoveries and client registrations (migration v2) in both stores, the probe columns of refresh states, and
/// an upgrade of a file written before v2.
@Suite struct SignInRecordsTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000.25)

    static let discovery = StoredDiscovery(
        server: "jira", serverURL: "https://mcp.example.com/mcp", resource: "https://mcp.example.com/mcp",
        resourceMetadataURL: "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
        challengedScope: "mcp", scopesSupported: ["mcp", "files:read"], issuer: "https://auth.example.com",
        metadataURL: "https://auth.example.com/.well-known/oauth-authorization-server",
        authorizationEndpoint: "https://auth.example.com/authorize", tokenEndpoint: "https://auth.example.com/token",
        registrationEndpoint: "https://auth.example.com/register",
        revocationEndpoint: "https://auth.example.com/revoke",
        codeChallengeMethods: ["S256"], discoveredAt: start)

    static func registration(_ port: Int, issuer: String = "https://auth.example.com", at offset: Double = 0)
        -> StoredClientRegistration
    {
        StoredClientRegistration(
            server: "jira", issuer: issuer, redirectURI: "http://127.0.0.1:\(port)/callback",
            clientID: "client-\(port)",
            registeredAt: start.addingTimeInterval(offset))
    }

    enum Kind: CaseIterable {
        case sqlite, memory
    }

    static func withStore(_ kind: Kind, _ body: (any SignInRecords & TokenStore) async throws -> Void) async throws {
        switch kind {
        case .memory:
            try await body(InMemoryTokenStore())
        case .sqlite:
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            try await body(try SQLiteTokenStore(path: folder.path("oauthtop.sqlite")))
        }
    }

    @Test(arguments: Kind.allCases)
    func discoveriesRoundTripAndAreReplaced(_ kind: Kind) async throws {
        try await Self.withStore(kind) { store in
            #expect(try await store.discovery(for: "jira") == nil)
            try await store.saveDiscovery(Self.discovery)
            #expect(try await store.discovery(for: "jira") == Self.discovery)
            let configured = StoredDiscovery(
                server: "jira", serverURL: "https://mcp.example.com/mcp", authorizationEndpoint: "https://a/authorize",
                tokenEndpoint: "https://a/token", discoveredAt: Self.start.addingTimeInterval(60))
            try await store.saveDiscovery(configured)
            #expect(try await store.discovery(for: "jira") == configured)
        }
    }

    @Test(arguments: Kind.allCases)
    func oneRegistrationPerServerIssuerAndRedirectURI(_ kind: Kind) async throws {
        try await Self.withStore(kind) { store in
            try await store.saveClientRegistration(Self.registration(5000))
            try await store.saveClientRegistration(Self.registration(5001, at: 10))
            try await store.saveClientRegistration(Self.registration(5000, issuer: "https://other.example.com"))
            var secret = Self.registration(5000, at: 20)
            secret.clientSecret = "s3cret"
            secret.authMethod = "client_secret_basic"
            secret.clientSecretExpiresAt = Self.start.addingTimeInterval(3600)
            try await store.saveClientRegistration(secret)  // replaces the first one: same key

            let found = try await store.clientRegistrations(for: "jira", issuer: "https://auth.example.com")
            #expect(found == [secret, Self.registration(5001, at: 10)])
            #expect(try await store.clientRegistrations(for: "other", issuer: "https://auth.example.com").isEmpty)

            try await store.deleteClientRegistration(
                server: "jira", issuer: "https://auth.example.com", redirectURI: "http://127.0.0.1:5000/callback")
            #expect(
                try await store.clientRegistrations(for: "jira", issuer: "https://auth.example.com")
                    == [Self.registration(5001, at: 10)])
            #expect(try await store.clientRegistrations(for: "jira", issuer: "https://other.example.com").count == 1)
        }
    }

    @Test func expiredSecretsAreNotUsableAndDescriptionsHideThem() {
        var registration = Self.registration(5000)
        #expect(registration.isUsable(at: Self.start))
        let secret = "cs-Vq8mZ2xR5tN9wK4bJ7hL1pF6dS3gYc0e"
        registration.clientSecret = secret
        registration.clientSecretExpiresAt = Self.start
        #expect(!registration.isUsable(at: Self.start))
        #expect(
            "\(registration)"
                == "StoredClientRegistration(jira, https://auth.example.com, http://127.0.0.1:5000/callback, "
                + "client_id: client-5000, auth: none)")
        #expect(!"\(registration)".contains(secret))
    }

    @Test(arguments: Kind.allCases)
    func probeColumnsRoundTrip(_ kind: Kind) async throws {
        try await Self.withStore(kind) { store in
            let unreachable = StoredRefreshState(
                state: "scheduled", probe: "unreachable", probeSummary: "Connection refused",
                probeDetail: "POST https://mcp.example.com/mcp: network error: connection refused",
                probedAt: Self.start, rejectedByServer: nil)
            let rejected = StoredRefreshState(
                state: "idle", probe: nil, probedAt: Self.start, rejectedByServer: "invalid_token: revoked")
            try await store.saveRefreshStates(["jira": unreachable, "slack": rejected])
            #expect(try await store.refreshStates() == ["jira": unreachable, "slack": rejected])
        }
    }

    /// A file written by the headless release (migration v1 only) is upgraded in place, its rows kept.
    @Test func aVersionOneFileIsUpgraded() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        let session = StoredSession(server: "jira", accessToken: "at-1", refreshToken: "rt-1", issuedAt: Self.start)
        let state = StoredRefreshState(state: "scheduled", lastRefreshAt: Self.start)
        do {
            let store = try SQLiteTokenStore(path: path)
            try await store.save(session)
            try await store.saveRefreshState(state, for: "jira")
            // Back to the v1 schema, as the headless release left it.
            try await store.execute(
                sql: """
                    DROP TABLE discoveries; DROP TABLE client_registrations;
                    ALTER TABLE refresh_states DROP COLUMN probe; ALTER TABLE refresh_states DROP COLUMN probe_summary;
                    ALTER TABLE refresh_states DROP COLUMN probe_detail; ALTER TABLE refresh_states DROP COLUMN probed_at;
                    ALTER TABLE refresh_states DROP COLUMN rejected_by_server;
                    DELETE FROM grdb_migrations WHERE identifier LIKE 'v2:%';
                    """)
            try store.close()
        }
        let reopened = try SQLiteTokenStore(path: path)
        #expect(try await reopened.session(for: "jira") == session)
        #expect(try await reopened.refreshStates() == ["jira": state])
        try await reopened.saveDiscovery(Self.discovery)
        #expect(try await reopened.discovery(for: "jira") == Self.discovery)
    }
}

@Suite struct ClientRegistrationScopeTests {
    static func registration(scope: String?) -> StoredClientRegistration {
        StoredClientRegistration(
            server: "jira", issuer: "https://auth.example.com", redirectURI: "http://127.0.0.1:5000/callback/x",
            clientID: "c", registeredAt: Date(timeIntervalSince1970: 0), scope: scope)
    }

    @Test func aRegistrationCoversTheScopesItRegisteredAndUnknownCoversAll() {
        #expect(Self.registration(scope: "mcp files").covers(scope: "files mcp"))
        #expect(Self.registration(scope: "mcp files").covers(scope: "mcp"))
        #expect(Self.registration(scope: "mcp files").covers(scope: nil))
        #expect(!Self.registration(scope: "mcp").covers(scope: "mcp extra"))
        #expect(Self.registration(scope: nil).covers(scope: "mcp extra"))
    }
}
