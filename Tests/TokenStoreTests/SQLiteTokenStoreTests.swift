import Foundation
import OAuthTopTesting
import Testing

@testable import TokenStore

/// Dates built from whole seconds since 1970 survive the store's REAL column bit for bit.
private let t0 = Date(timeIntervalSince1970: 1_750_000_000)

private func fullSession(_ server: String = "jira", accessToken: String = "at-secret-1") -> StoredSession {
    StoredSession(
        server: server, accessToken: accessToken, tokenType: "DPoP", refreshToken: "rt-secret-1",
        scope: "read:jira-work offline_access", issuedAt: t0.addingTimeInterval(0.25),
        expiresAt: t0.addingTimeInterval(3600.5), refreshTokenExpiresAt: t0.addingTimeInterval(86_400 * 30),
        client: ClientRegistration(
            tokenEndpoint: "https://auth.example.com/oauth/token", clientID: "client-1",
            clientSecret: "client-secret-1", authMethod: "client_secret_basic",
            resource: "https://mcp.example.com/"))
}

@Suite struct SQLiteTokenStoreTests {
    // MARK: Round trips

    @Test func everySessionFieldRoundTrips() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        let full = fullSession()
        let bare = StoredSession(server: "bare", accessToken: "at-bare", issuedAt: t0)
        let publicClient = StoredSession(
            server: "public", accessToken: "at-public", issuedAt: t0,
            client: ClientRegistration(tokenEndpoint: "https://public.example.com/token", clientID: "public-client"))
        for session in [full, bare, publicClient] { try await store.save(session) }

        #expect(try await store.session(for: "jira") == full)
        #expect(try await store.session(for: "bare") == bare)
        #expect(try await store.session(for: "public") == publicClient)
        #expect(try await store.session(for: "missing") == nil)
        #expect(try await store.sessions() == [bare, full, publicClient])
    }

    @Test func everyRefreshStateFieldRoundTrips() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        let full = StoredRefreshState(
            state: "retrying", retryCount: 3, nextAttempt: t0.addingTimeInterval(40), lastError: "HTTP 503: try later",
            lastResult: "failed_network", lastAttemptAt: t0, lastRefreshAt: t0.addingTimeInterval(-3600),
            lastRefreshDuration: 0.125)
        let bare = StoredRefreshState(state: "idle")
        try await store.saveRefreshState(full, for: "jira")
        try await store.saveRefreshState(bare, for: "slack")
        #expect(try await store.refreshStates() == ["jira": full, "slack": bare])

        let success = StoredRefreshState(state: "scheduled", lastResult: "success", lastRefreshAt: t0)
        try await store.saveRefreshState(success, for: "jira")
        #expect(try await store.refreshStates() == ["jira": success, "slack": bare])
    }

    @Test func datesFromTheClockKeepSubMillisecondPrecision() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        let now = Date()
        try await store.save(StoredSession(server: "jira", accessToken: "at", issuedAt: now, expiresAt: now + 7200))
        let stored = try #require(try await store.session(for: "jira"))
        #expect(abs(stored.issuedAt.timeIntervalSince(now)) < 1e-6)
        #expect(abs(try #require(stored.expiresAt).timeIntervalSince(now + 7200)) < 1e-6)
    }

    @Test func savingAgainReplacesTheSessionAndNilClearsAColumn() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        try await store.save(fullSession())
        var renewed = fullSession(accessToken: "at-secret-2")
        renewed.refreshToken = nil
        renewed.expiresAt = nil
        renewed.client = nil
        try await store.save(renewed)
        #expect(try await store.session(for: "jira") == renewed)
        #expect(try await store.sessions().count == 1)
    }

    @Test func deletingASessionKeepsItsRefreshState() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        try await store.save(fullSession())
        try await store.saveRefreshState(StoredRefreshState(state: "scheduled"), for: "jira")
        try await store.deleteSession(for: "jira")
        #expect(try await store.session(for: "jira") == nil)
        #expect(try await store.refreshStates()["jira"] == StoredRefreshState(state: "scheduled"))
    }

    @Test func dataSurvivesClosingAndReopening() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        let first = try SQLiteTokenStore(path: path)
        try await first.save(fullSession())
        try first.close()
        let wal = try FileManager.default.attributesOfItem(atPath: path + "-wal")
        #expect((wal[.size] as? NSNumber)?.intValue == 0)
        let second = try SQLiteTokenStore(path: path)
        #expect(try await second.session(for: "jira") == fullSession())
    }

    // MARK: Files and settings

    @Test func fileIsPrivateAndSoAreTheFolderAndTheWALFiles() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let stateFolder = folder.path("state", "oauthtop")
        let path = stateFolder + "/oauthtop.sqlite"
        try await withUmask(0o022) {
            let store = try SQLiteTokenStore(path: path)
            try await store.save(fullSession())
            #expect(try mode(of: stateFolder) == 0o700)
            #expect(try mode(of: folder.path("state")) == 0o700)
            #expect(try mode(of: path) == 0o600)
            #expect(try mode(of: path + "-wal") == 0o600)
            #expect(try mode(of: path + "-shm") == 0o600)
        }
    }

    @Test func openFolderAndFilesAreTightened() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let stateFolder = folder.path("state")
        let path = stateFolder + "/oauthtop.sqlite"
        let manager = FileManager.default
        try manager.createDirectory(atPath: stateFolder, withIntermediateDirectories: false)
        try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: stateFolder)
        #expect(manager.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644]))
        #expect(manager.createFile(atPath: path + "-wal", contents: nil, attributes: [.posixPermissions: 0o644]))
        let store = try SQLiteTokenStore(path: path)
        try await store.save(fullSession())
        #expect(try mode(of: stateFolder) == 0o700)
        #expect(try mode(of: path) == 0o600)
        #expect(try mode(of: path + "-wal") == 0o600)
        #expect(try mode(of: path + "-shm") == 0o600)
    }

    @Test func journalIsWALAndWritesAreSynchronousFull() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        let first = try SQLiteTokenStore(path: path)
        let second = try SQLiteTokenStore(path: path)
        for store in [first, second] {
            #expect(try await store.pragma("journal_mode") == "wal")
            #expect(try await store.pragma("synchronous") == "2")
            #expect(try await store.pragma("busy_timeout") == "5000")
        }
    }

    /// Also when the newer oauthtop's `-wal` and `-shm` are gone, so the inspection has to recreate them.
    @Test(arguments: [true, false])
    func fileWrittenByANewerOauthtopIsRefusedAndLeftUntouched(keepingWALFiles: Bool) async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        let store = try SQLiteTokenStore(path: path)
        try await store.save(fullSession())
        try await store.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9: from the future')")
        try store.close()
        if !keepingWALFiles {
            try FileManager.default.removeItem(atPath: path + "-wal")
            try FileManager.default.removeItem(atPath: path + "-shm")
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        let error = #expect(throws: TokenStoreError.self) { try SQLiteTokenStore(path: path) }
        #expect(error == .newerSchema(path: path, unknownMigrations: ["v9: from the future"]))
        let message = "\(try #require(error))"
        #expect(message.contains(path) && message.contains("Upgrade oauthtop"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test(arguments: [
        Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) }),
        Data("this is my shopping list, not a database\n".utf8),
        Data("SQLite format 3\0".utf8) + Data(repeating: 0xFF, count: 4080),
    ])
    func fileThatIsNotADatabaseIsRefusedAndLeftUntouched(contents: Data) async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        try contents.write(to: URL(fileURLWithPath: path))

        #expect(throws: TokenStoreError.notADatabase(path: path)) { try SQLiteTokenStore(path: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == contents)
        #expect("\(TokenStoreError.notADatabase(path: path))".contains(path))
    }

    @Test func folderThatIsAFileIsAClearError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let notAFolder = folder.path("state")
        #expect(FileManager.default.createFile(atPath: notAFolder, contents: Data("x".utf8)))
        let error = #expect(throws: TokenStoreError.self) {
            try SQLiteTokenStore(path: notAFolder + "/oauthtop.sqlite")
        }
        #expect("\(try #require(error))".contains(notAFolder))
    }

    @Test func errorsAndDescriptionsNameTheFileButNeverAToken() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        let store = try SQLiteTokenStore(path: path)
        try store.close()
        let error = await #expect(throws: TokenStoreError.self) { try await store.save(fullSession()) }
        let message = "\(try #require(error))"
        #expect(message.contains(path))
        // The texts searched below are real, so that a secret's absence means something.
        #expect("\(store)" == "SQLiteTokenStore(\(path))")
        let record = try SessionRecord(fullSession(), updatedAt: t0, sealing: testCipher)
        #expect("\(record)" == "SessionRecord(jira)")
        for secret in ["at-secret-1", "rt-secret-1", "client-secret-1"] {
            #expect(!message.contains(secret))
            #expect(!"\(store)".contains(secret))
            #expect(!"\(record)".contains(secret))
        }
    }

    // MARK: Leases

    /// A lease has no end of its own: it is held until its owner commits or gives it back (or its process ends,
    /// `LeaseLocksTests`). `held` repeats the asker's `until` as the time to look again.
    @Test func leaseIsHeldByAnotherOwnerUntilGivenBack() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        try await store.save(fullSession())
        #expect(try await store.lease("a", until: 35, now: 0) == .acquired(fullSession()))
        #expect(try await store.lease("b", until: 40, now: 5) == .held(by: "a", until: t0 + 40))
        #expect(try await store.lease("b", until: 3600, now: 3599) == .held(by: "a", until: t0 + 3600))
        try await store.releaseLease(for: "jira", owner: "a")
        #expect(try await store.lease("b", until: 3700, now: 3600) == .acquired(fullSession()))
    }

    @Test func leasesOfDifferentServersAreIndependent() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        #expect(try await store.lease("a", until: 35, now: 0) == .acquired(nil))
        #expect(try await store.lease("b", until: 35, now: 0, server: "slack") == .acquired(nil))
    }

    @Test func commitStoresTheSessionAndReleasesTheLease() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        try await store.save(fullSession())
        _ = try await store.lease("a", until: 35, now: 0)
        let renewed = fullSession(accessToken: "at-secret-2")
        try await store.commit(renewed, releasingLeaseOf: "a")
        #expect(try await store.session(for: "jira") == renewed)
        #expect(try await store.lease("b", until: 40, now: 5) == .acquired(renewed))
    }

    /// A commit by an owner that does not hold the lease still stores the tokens (they may be the only copy of a
    /// rotated refresh token), says so, and leaves the holder's lease alone.
    @Test func aCommitWithoutTheLeaseStillStoresAndSaysSo() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        try await store.save(fullSession())
        #expect(try await store.lease("b", until: 80, now: 40) == .acquired(fullSession()))
        let renewed = fullSession(accessToken: "at-secret-2")
        #expect(try await store.commit(renewed, releasingLeaseOf: "a") == .stored(leaseWasOurs: false))
        #expect(try await store.session(for: "jira") == renewed)
        #expect(try await store.lease("c", until: 90, now: 50) == .held(by: "b", until: t0 + 90))
        #expect(try await store.commit(renewed, releasingLeaseOf: "b") == .stored(leaseWasOurs: true))
        #expect(try await store.lease("c", until: 90, now: 50) == .acquired(renewed))
    }

    /// `oauthtop logout` in another process while this one's refresh is on the wire: the late commit does not bring
    /// the session back, and it says so.
    @Test func aCommitAfterALogoutDoesNotBringTheSessionBack() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        try await store.save(fullSession())
        _ = try await store.lease("a", until: 35, now: 0)
        try await store.deleteSession(for: "jira")
        #expect(try await store.commit(fullSession(accessToken: "at-secret-2"), releasingLeaseOf: "a") == .sessionGone)
        #expect(try await store.session(for: "jira") == nil)
        #expect(try await store.lease("b", until: 40, now: 5) == .acquired(nil), "no lease is left behind")
    }

    /// A refresh of the old grant that ends after a sign-in (or an import) replaced the session never overwrites it.
    @Test func aCommitThatWouldReplaceANewerSessionIsRefused() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        try await store.save(fullSession())
        _ = try await store.lease("a", until: 35, now: 0)
        var signedIn = fullSession(accessToken: "at-signed-in")
        signedIn.refreshToken = "rt-signed-in"
        try await store.save(signedIn)
        let late = fullSession(accessToken: "at-late")
        #expect(
            try await store.commit(late, state: nil, releasingLeaseOf: "a", replacing: "rt-secret-1")
                == .superseded(signedIn))
        #expect(try await store.session(for: "jira") == signedIn)
        #expect(try await store.lease("b", until: 40, now: 5) == .acquired(signedIn), "the lease was given back")
        // What it replaces is what the refresh sent: stored.
        #expect(
            try await store.commit(late, state: nil, releasingLeaseOf: "b", replacing: "rt-signed-in")
                == .stored(leaseWasOurs: true))
    }

    @Test func commitAndReleaseLeaveAnotherOwnersLeaseAlone() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        try await store.save(fullSession(accessToken: "at-secret-0"))
        _ = try await store.lease("a", until: 35, now: 0)
        try await store.releaseLease(for: "jira", owner: "b")
        try await store.commit(fullSession(), releasingLeaseOf: "b")
        #expect(try await store.lease("b", until: 40, now: 5) == .held(by: "a", until: t0 + 40))
        try await store.releaseLease(for: "jira", owner: "a")
        #expect(try await store.lease("b", until: 40, now: 5) == .acquired(fullSession()))
    }

    // MARK: Several processes

    @Test func twoStoresOnOneFileSeeEachOthersWrites() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        let dashboard = try SQLiteTokenStore(path: path)
        let cli = try SQLiteTokenStore(path: path)
        try await dashboard.save(fullSession())
        #expect(try await cli.session(for: "jira") == fullSession())
        try await cli.saveRefreshState(StoredRefreshState(state: "failed", lastError: "invalid_grant"), for: "jira")
        #expect(try await dashboard.refreshStates()["jira"]?.lastError == "invalid_grant")
        try await cli.deleteSession(for: "jira")
        #expect(try await dashboard.sessions().isEmpty)
    }

    @Test func twoStoresOnOneFileTakeTurnsWithTheLease() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        let serve = try SQLiteTokenStore(path: path)
        let token = try SQLiteTokenStore(path: path)
        try await serve.save(fullSession())

        #expect(try await serve.lease("serve", until: 35, now: 0) == .acquired(fullSession()))
        #expect(try await token.lease("token", until: 35, now: 1) == .held(by: "serve", until: t0 + 35))
        let rotated = fullSession(accessToken: "at-secret-2")
        try await serve.commit(rotated, releasingLeaseOf: "serve")
        // The other process gets the lease and, with it, the rotated tokens to adopt instead of refreshing.
        #expect(try await token.lease("token", until: 37, now: 2) == .acquired(rotated))
    }

    @Test func concurrentAcquirersFromTwoStoresGetOneLease() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        let stores = [try SQLiteTokenStore(path: path), try SQLiteTokenStore(path: path)]
        for round in 0..<5 {
            let server = "server-\(round)"
            let outcomes = try await withThrowingTaskGroup(of: LeaseOutcome.self) { group in
                for index in 0..<16 {
                    group.addTask {
                        try await stores[index % 2].acquireLease(
                            for: server, owner: "owner-\(index)", until: t0 + 35, now: t0)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let winners = outcomes.filter { $0 == .acquired(nil) }
            #expect(winners.count == 1)
            // Every loser names the winner, or (having looked before the winner wrote its name) no one in particular.
            let holders = Set(outcomes.compactMap { if case .held(let owner, _) = $0 { owner } else { nil } })
            #expect(holders.subtracting(["another oauthtop process"]).count <= 1)
        }
    }

    // MARK: Batches

    @Test func tenThousandRefreshStatesAreSavedInOneTransaction() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        let states = Dictionary(
            uniqueKeysWithValues: (0..<10_000).map { index in
                (
                    "server-\(index)",
                    StoredRefreshState(
                        state: index % 2 == 0 ? "scheduled" : "retrying", retryCount: index % 7,
                        nextAttempt: t0 + Double(index), lastError: index % 2 == 0 ? nil : "HTTP 503")
                )
            })
        let transactions = try await store.committedTransactions {
            try await store.saveRefreshStates(states)
        }
        #expect(transactions == 1)
        #expect(try await store.refreshStates() == states)
    }

    @Test func defaultBatchSavesEveryState() async throws {
        let store = InMemoryTokenStore()
        let states = ["a": StoredRefreshState(state: "idle"), "b": StoredRefreshState(state: "failed")]
        try await (store as any TokenStore).saveRefreshStates(states)
        #expect(await store.refreshStates() == states)
        let looping = ForwardingStore(store)
        try await looping.saveRefreshStates(["c": StoredRefreshState(state: "scheduled")])
        #expect(await store.refreshStates().count == 3)
    }
}

extension SQLiteTokenStore {
    /// `acquireLease` with times in seconds after `t0`.
    fileprivate func lease(_ owner: String, until: Double, now: Double, server: String = "jira") async throws
        -> LeaseOutcome
    {
        try await acquireLease(for: server, owner: owner, until: t0 + until, now: t0 + now)
    }
}

/// The first `python3` on PATH, for the cross-process tests.
let python3: URL? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent("python3") }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }
}()

/// Issue 12: a state folder nobody else can steer.
@Suite struct StateFolderOwnershipTests {
    @Test func aFolderOthersCanWriteInIsRefusedEvenWhenSticky() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let shared = folder.path("shared")
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: false)
        for mode in [0o1777, 0o777, 0o770] as [Int16] {
            chmod(shared, mode_t(mode))
            let error = #expect(throws: TokenStoreError.self) {
                try SQLiteTokenStore(path: shared + "/oauthtop.sqlite")
            }
            #expect(
                error
                    == .unsafeFolder(
                        path: shared, reason: "group or others can write in it (mode 0\(String(mode, radix: 8)))"))
            #expect(!FileManager.default.fileExists(atPath: shared + "/oauthtop.sqlite"), "nothing is created there")
        }
        #expect(
            TokenStoreError.unsafeFolder(path: shared, reason: "r").description
                == "refusing to keep tokens in \(shared): r; use a folder of your own (--state-dir or OAUTHTOP_STATE_DIR), "
                + "or make this one yours alone (chown, chmod 700) after checking what is in it")
    }

    @Test(.enabled(if: geteuid() == 0, "chown to another user needs root"))
    func aFolderSomeoneElseOwnsIsRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let theirs = folder.path("theirs")
        try FileManager.default.createDirectory(atPath: theirs, withIntermediateDirectories: false)
        chmod(theirs, 0o700)
        #expect(chown(theirs, 4242, 4242) == 0)
        let error = #expect(throws: TokenStoreError.self) { try SQLiteTokenStore(path: theirs + "/oauthtop.sqlite") }
        #expect(error == .unsafeFolder(path: theirs, reason: "it belongs to uid 4242, not to you (uid 0)"))
    }

    @Test func filesOthersCouldReadAreNamedOnceAndMadePrivate() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        try SQLiteTokenStore(path: path).close()
        chmod(path, 0o644)
        let first = try SQLiteTokenStore(path: path)
        #expect(first.exposedFiles == [path])
        #expect(try mode(of: path) == 0o600)
        try first.close()
        #expect(try SQLiteTokenStore(path: path).exposedFiles == [], "said once: the file is private now")
    }
}
