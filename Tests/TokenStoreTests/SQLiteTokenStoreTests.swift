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

    @Test func deletingASessionDropsItsLeaseButKeepsItsRefreshState() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        try await store.save(fullSession())
        try await store.saveRefreshState(StoredRefreshState(state: "scheduled"), for: "jira")
        _ = try await store.lease("a", until: 60, now: 0)
        try await store.deleteSession(for: "jira")
        #expect(try await store.session(for: "jira") == nil)
        #expect(try await store.refreshStates()["jira"] == StoredRefreshState(state: "scheduled"))
        #expect(try await store.lease("b", until: 60, now: 0) == .acquired(nil))
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
        #expect("\(SessionRecord(fullSession(), updatedAt: t0))" == "SessionRecord(jira)")
        for secret in ["at-secret-1", "rt-secret-1", "client-secret-1"] {
            #expect(!message.contains(secret))
            #expect(!"\(store)".contains(secret))
            #expect(!"\(SessionRecord(fullSession(), updatedAt: t0))".contains(secret))
        }
    }

    // MARK: Leases

    @Test func leaseIsHeldByAnotherOwnerUntilItExpires() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        try await store.save(fullSession())
        #expect(try await store.lease("a", until: 35, now: 0) == .acquired(fullSession()))
        #expect(try await store.lease("b", until: 40, now: 5) == .held(by: "a", until: t0 + 35))
        #expect(try await store.lease("b", until: 40, now: 34.5) == .held(by: "a", until: t0 + 35))
        // Expired at `until` exactly: another owner takes it.
        #expect(try await store.lease("b", until: 70, now: 35) == .acquired(fullSession()))
        #expect(try await store.lease("a", until: 75, now: 36) == .held(by: "b", until: t0 + 70))
    }

    @Test func sameOwnerReacquiresAndExtendsItsLease() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        #expect(try await store.lease("a", until: 35, now: 0) == .acquired(nil))
        #expect(try await store.lease("a", until: 90, now: 10) == .acquired(nil))
        #expect(try await store.lease("b", until: 95, now: 50) == .held(by: "a", until: t0 + 90))
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

    /// The lease of "a" lapsed and "b" took it while "a" was on the wire: a's tokens are still stored (they may be
    /// the only copy of a rotated refresh token), b's lease is left alone, and a learns that it lapsed.
    @Test func aCommitAfterTheLeaseLapsedStillStoresAndSaysSo() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        try await store.save(fullSession())
        _ = try await store.lease("a", until: 35, now: 0)
        #expect(try await store.lease("b", until: 80, now: 40) == .acquired(fullSession()))
        let renewed = fullSession(accessToken: "at-secret-2")
        #expect(try await store.commit(renewed, releasingLeaseOf: "a") == .stored(leaseWasOurs: false))
        #expect(try await store.session(for: "jira") == renewed)
        #expect(try await store.lease("c", until: 90, now: 50) == .held(by: "b", until: t0 + 80))
        _ = try await store.lease("c", until: 200, now: 100)
        #expect(try await store.commit(renewed, releasingLeaseOf: "c") == .stored(leaseWasOurs: true))
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

    @Test func commitAndReleaseLeaveAnotherOwnersLeaseAlone() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        try await store.save(fullSession(accessToken: "at-secret-0"))
        _ = try await store.lease("a", until: 35, now: 0)
        try await store.releaseLease(for: "jira", owner: "b")
        try await store.commit(fullSession(), releasingLeaseOf: "b")
        #expect(try await store.lease("b", until: 40, now: 5) == .held(by: "a", until: t0 + 35))
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
            let holders = Set(outcomes.compactMap { if case .held(let owner, _) = $0 { owner } else { nil } })
            #expect(holders.count == 1)
        }
    }

    /// A real second process (Python's sqlite3 module) holds the write lock while it takes the lease, until told
    /// to commit: the store waits for it (busy timeout) and then sees the lease as held.
    @Test(.enabled(if: python3 != nil, "needs python3"))
    func leaseTakenByAnotherProcessIsRespected() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        let locked = folder.path("locked")
        let release = folder.path("release")
        let store = try SQLiteTokenStore(path: path)
        try await store.save(fullSession())

        let process = Process()
        process.executableURL = python3
        process.arguments = [
            "-c",
            """
            import os, sqlite3, sys, time
            db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=5)
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT OR REPLACE INTO leases (server, owner, until) VALUES ('jira', 'python', ?)",
                       (float(sys.argv[2]),))
            open(sys.argv[3], "w").close()
            deadline = time.monotonic() + 20
            while not os.path.exists(sys.argv[4]) and time.monotonic() < deadline:
                time.sleep(0.01)
            db.execute("COMMIT")
            """,
            path, "\((t0 + 35).timeIntervalSince1970)", locked, release,
        ]
        try process.run()
        let deadline = Date() + 20
        while !FileManager.default.fileExists(atPath: locked), Date() < deadline, process.isRunning {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(FileManager.default.fileExists(atPath: locked))
        let lease = Task { (try await store.lease("swift", until: 40, now: 1), ContinuousClock.now) }
        // The lock stays held until the release file exists, however long the lease takes to reach SQLite; the
        // pause only gives it the chance to. Had the store not waited for the lock, it would be done before.
        try await Task.sleep(for: .milliseconds(300))
        let released = ContinuousClock.now
        #expect(FileManager.default.createFile(atPath: release, contents: nil))
        let (outcome, finished) = try await lease.value
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(outcome == .held(by: "python", until: t0 + 35))
        #expect(finished > released, "the lease waited for the other process to commit")
    }

    /// A lease taken after waiting for another process's write lasts its full length from when it was taken: the
    /// wait does not eat into the time the refresh has.
    @Test(.enabled(if: python3 != nil, "needs python3"))
    func aLeaseIsSizedFromWhenItIsTaken() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        let store = try SQLiteTokenStore(path: path)
        let release = folder.path("release")
        let locked = folder.path("locked")
        let process = Process()
        process.executableURL = python3
        process.arguments = [
            "-c",
            """
            import os, sqlite3, sys, time
            db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=5)
            db.execute("BEGIN IMMEDIATE")
            open(sys.argv[2], "w").close()
            deadline = time.monotonic() + 20
            while not os.path.exists(sys.argv[3]) and time.monotonic() < deadline:
                time.sleep(0.01)
            db.execute("COMMIT")
            """,
            path, locked, release,
        ]
        try process.run()
        let deadline = Date() + 20
        while !FileManager.default.fileExists(atPath: locked), Date() < deadline, process.isRunning {
            try await Task.sleep(for: .milliseconds(5))
        }
        let asked = Date()
        let lease = Task {
            try await store.acquireLease(for: "jira", owner: "me", until: asked.addingTimeInterval(35), now: asked)
        }
        try await Task.sleep(for: .milliseconds(1500))
        #expect(FileManager.default.createFile(atPath: release, contents: nil))
        #expect(try await lease.value == .acquired(nil))
        process.waitUntilExit()
        // Another owner asking at `asked + 36.4` still finds it held: the 1.5 s wait was added on top.
        let later = asked.addingTimeInterval(36.4)
        #expect(
            try await store.acquireLease(for: "jira", owner: "other", until: later + 35, now: later)
                == .held(by: "me", until: try #require(await leaseEnd(store))))
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

/// The first `python3` on PATH, for the cross-process test.
private let python3: URL? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent("python3") }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }
}()

/// When the lease on "jira" ends, read straight from the file.
private func leaseEnd(_ store: SQLiteTokenStore) async throws -> Date? {
    try await store.reading { db in try LeaseRecord.row(of: "jira", db) }.map { Date(timeIntervalSince1970: $0.until) }
}
