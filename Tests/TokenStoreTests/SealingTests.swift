import AtRest
import Foundation
import GRDB
import Testing

@testable import TokenStore

/// Secrets at rest: sealed in every column and lease file that holds one, a plaintext store migrated in place and
/// scrubbed from the files, a wrong key told apart from damage.
@Suite struct SealingTests {
    static let start = Date(timeIntervalSince1970: 1_750_000_000)
    static let secrets = ["at-plain-secret", "rt-plain-secret", "cs-plain-secret", "reg-plain-secret"]

    static let session = StoredSession(
        server: "jira", accessToken: "at-plain-secret", refreshToken: "rt-plain-secret", issuedAt: start,
        expiresAt: start.addingTimeInterval(3600),
        client: ClientRegistration(
            tokenEndpoint: "https://auth.example.com/token", clientID: "client-1", clientSecret: "cs-plain-secret",
            authMethod: "client_secret_post"))
    static let registration = StoredClientRegistration(
        server: "jira", issuer: "https://auth.example.com", redirectURI: "http://127.0.0.1:33418/callback",
        clientID: "client-2", clientSecret: "reg-plain-secret", authMethod: "client_secret_basic", registeredAt: start)

    /// Every secret column of the file, as SQLite has it.
    static func rawSecrets(_ path: String) throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT access_token FROM sessions UNION ALL SELECT refresh_token FROM sessions
                    WHERE refresh_token IS NOT NULL UNION ALL SELECT client_secret FROM sessions
                    WHERE client_secret IS NOT NULL UNION ALL SELECT client_secret FROM client_registrations
                    WHERE client_secret IS NOT NULL
                    """)
        }
    }

    /// Which of `secrets` appear in the bytes of the database file, its WAL, shared memory or rollback journal.
    static func secretsInFiles(_ path: String, _ secrets: [String] = secrets) -> [String] {
        let files = ["", "-wal", "-shm", "-journal"].compactMap { FileManager.default.contents(atPath: path + $0) }
        return secrets.filter { secret in files.contains { $0.range(of: Data(secret.utf8)) != nil } }
    }

    @Test func everySecretIsSealedInTheFileAndOpensThroughTheStore() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        let store = try SQLiteTokenStore(path: path)
        try await store.save(Self.session)
        try await store.saveClientRegistration(Self.registration)
        #expect(try await store.session(for: "jira") == Self.session)
        #expect(
            try await store.clientRegistrations(for: "jira", issuer: Self.registration.issuer) == [Self.registration])
        try store.close()

        let raw = try Self.rawSecrets(path)
        #expect(raw.count == 4)
        #expect(raw.allSatisfy { $0.hasPrefix("v1:") })
        #expect(Self.secretsInFiles(path).isEmpty)
    }

    /// A store an older oauthtop wrote (schema v6, plaintext, WAL) is sealed in place when opened with a key, its
    /// values intact, and no byte of the old plaintext is left in the database file, its WAL or shared memory.
    @Test func aPlaintextStoreIsSealedInPlaceAndScrubbed() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        try Self.writeOldStore(path, sessions: 50)
        #expect(Set(Self.secretsInFiles(path)) == Set(Self.secrets), "the old store does hold plaintext")

        var recorded: [String?] = []
        let store = try SQLiteTokenStore(path: path) { source in
            recorded.append(source)
            return testCipher
        }
        #expect(recorded == [nil])
        #expect(try await store.session(for: "jira") == Self.session)
        #expect(try await store.sessions().count == 51)
        #expect(try await store.session(for: "server-7")?.refreshToken == "rt-old-7")
        #expect(
            try await store.clientRegistrations(for: "jira", issuer: Self.registration.issuer) == [Self.registration])
        #expect(Self.secretsInFiles(path).isEmpty)
        #expect(Self.secretsInFiles(path, ["rt-old-7", "at-old-49", "at-deleted-before"]).isEmpty)
        try store.close()
        #expect(try Self.rawSecrets(path).allSatisfy { $0.hasPrefix("v1:") })
        let queue = try DatabaseQueue(path: path)
        let pending = try await queue.read { db in
            try Int.fetchOne(db, sql: "SELECT scrub_pending FROM store_protection")
        }
        #expect(pending == 0)
        try queue.close()

        // The next opening is told where the key lives.
        _ = try SQLiteTokenStore(path: path) { source in
            recorded.append(source)
            return testCipher
        }
        #expect(recorded == [nil, "memory"])
    }

    /// A plaintext row that an older oauthtop, still running from before the upgrade, writes into a sealed store is
    /// read as it is and sealed at the next opening.
    @Test func aPlaintextRowWrittenLaterIsReadAndSealedAtTheNextOpening() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        let store = try SQLiteTokenStore(path: path)
        try await store.execute(
            sql: """
                INSERT INTO sessions (server, access_token, token_type, refresh_token, issued_at, updated_at)
                VALUES ('late', 'at-late', 'Bearer', 'rt-late', 1750000000, 1750000000)
                """)
        #expect(try await store.session(for: "late")?.refreshToken == "rt-late")
        try store.close()
        #expect(try Self.rawSecrets(path).contains("rt-late"))
        let reopened = try SQLiteTokenStore(path: path)
        #expect(try await reopened.session(for: "late")?.accessToken == "at-late")
        try reopened.close()
        #expect(try Self.rawSecrets(path).allSatisfy { $0.hasPrefix("v1:") })
        #expect(Self.secretsInFiles(path, ["at-late", "rt-late"]).isEmpty)
    }

    @Test func anotherKeyIsRefusedAndTheStoreLeftAsItWas() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        do {
            let store = try SQLiteTokenStore(path: path)
            try await store.save(Self.session)
            try store.close()
        }
        let wrong = #expect(throws: TokenStoreError.self) {
            try SQLiteTokenStore(path: path, sealing: StoreCipher.ephemeral())
        }
        #expect(wrong == .keyMismatch(path: path, recordedSource: "memory", currentSource: "memory"))
        #expect("\(wrong!)".contains("the store's key does not match"))
        #expect("\(wrong!)".contains("move the store away and sign in again"))

        let elsewhere = #expect(throws: TokenStoreError.self) {
            try SQLiteTokenStore(path: path, sealing: Relabelled(source: "key file"))
        }
        #expect(
            "\(elsewhere!)"
                == "token store \(path): its tokens were sealed under a key in the memory, but this process has the "
                + "key in the key file. Run where the memory is reachable, or move the store away and sign in again")
        #expect(try await SQLiteTokenStore(path: path).session(for: "jira") == Self.session)
    }

    @Test func anAlteredSecretIsReportedWithoutShowingIt() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        let store = try SQLiteTokenStore(path: path)
        try await store.save(Self.session)
        // Another valid sealed text, under another key, put in place of the access token.
        let foreign = try StoreCipher.ephemeral().seal("at-forged")
        try await store.execute(sql: "UPDATE sessions SET access_token = '\(foreign)'")
        let error = await #expect(throws: TokenStoreError.self) { try await store.session(for: "jira") }
        #expect(error == .unreadableSecret(path: path, column: "sessions.access_token"))
        for secret in Self.secrets + ["at-forged"] { #expect(!"\(error!)".contains(secret)) }
        await #expect(throws: TokenStoreError.self) { try await store.sessions() }
    }

    /// Writes a store as oauthtop before sealing did: schema v6 in WAL mode, plaintext secrets, `secure_delete`
    /// off, and a deleted row whose plaintext lingers in a free page.
    static func writeOldStore(_ path: String, sessions count: Int) throws {
        let pool = try DatabasePool(path: path)
        try Migrations.migrator.migrate(pool, upTo: "v6: session server URL")
        try pool.write { db in
            func insert(_ server: String, _ access: String, _ refresh: String, _ secret: String?) throws {
                try db.execute(
                    sql: """
                        INSERT INTO sessions (server, access_token, token_type, refresh_token, issued_at, expires_at,
                            token_endpoint, client_id, client_secret, auth_method, updated_at)
                        VALUES (?, ?, 'Bearer', ?, 1750000000, 1750003600, 'https://auth.example.com/token', 'client-1',
                            ?, 'client_secret_post', 1750000000)
                        """, arguments: [server, access, refresh, secret])
            }
            try insert("jira", "at-plain-secret", "rt-plain-secret", "cs-plain-secret")
            for index in 0..<count { try insert("server-\(index)", "at-old-\(index)", "rt-old-\(index)", nil) }
            try insert("deleted", "at-deleted-before", "rt-deleted-before", nil)
            try db.execute(
                sql: """
                    INSERT INTO client_registrations (server, issuer, redirect_uri, client_id, client_secret,
                        auth_method, registered_at)
                    VALUES ('jira', 'https://auth.example.com', 'http://127.0.0.1:33418/callback', 'client-2',
                        'reg-plain-secret', 'client_secret_basic', 1750000000)
                    """)
        }
        try pool.write { db in try db.execute(sql: "DELETE FROM sessions WHERE server = 'deleted'") }
        try pool.close()
    }
}

/// The test key under another source name, as a store opened where the key came from elsewhere would see it.
private struct Relabelled: SecretSealing {
    var source: String
    var keySource: String { source }
    func seal(_ plaintext: String) throws -> String { try StoreCipher.ephemeral().seal(plaintext) }
    func open(_ sealed: String) throws -> String { try StoreCipher.ephemeral().open(sealed) }
    func isSealed(_ text: String) -> Bool { text.hasPrefix("v1:") }
}
