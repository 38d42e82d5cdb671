import Foundation
import Testing

@testable import TokenStore

/// Refresh leases are `flock`s on files in `<state>/leases/`: held while their holder lives, free the moment it
/// ends, and never held up by another writer of the database.
@Suite struct LeaseLocksTests {
    static let now = Date(timeIntervalSince1970: 1_750_000_000)

    @Test func thisProcessIsNamedByItsPid() {
        #expect(LeaseOwner.current(tag: "3f9c2a7e") == "pid-\(getpid())-3f9c2a7e")
    }

    @Test func aLockFileIsNamedByTheServerNameInHexAndIsPrivate() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        _ = try await store.acquireLease(for: "../jira", owner: "me", until: Self.now, now: Self.now)
        let path = folder.path("leases/2e2e2f6a697261.lock")
        let info = try FileManager.default.attributesOfItem(atPath: path)
        #expect((info[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == ownerLine("me"))
        let folderInfo = try FileManager.default.attributesOfItem(atPath: folder.path("leases"))
        #expect((folderInfo[.posixPermissions] as? NSNumber)?.intValue == 0o700)
    }

    /// Another process (Python, `fcntl.flock`) holds the lock: the store says who, without waiting. Once that
    /// process is killed with SIGKILL, mid-refresh as it were, the lease is free at once.
    @Test(.enabled(if: python3 != nil, "needs python3"))
    func aLiveHolderIsNamedAndAKilledOneLetsGoAtOnce() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        let ready = folder.path("ready")
        let holder = try python(
            """
            import fcntl, os, sys, time
            fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, b"pid-4242-python\\n")
            open(sys.argv[2], "w").close()
            time.sleep(60)
            """, store.leases.path(of: "jira"), ready)
        defer { if holder.isRunning { kill(holder.processIdentifier, SIGKILL) } }
        try await waitForFile(ready, while: holder)

        let asked = Self.now.addingTimeInterval(0.25)
        #expect(
            try await store.acquireLease(for: "jira", owner: "me", until: asked, now: Self.now)
                == .held(by: "pid-4242-python", until: asked))

        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        #expect(try await store.acquireLease(for: "jira", owner: "me", until: asked, now: Self.now) == .acquired(nil))
    }

    /// Another writer holds SQLite's write lock for seconds (the soak's busy store): taking a lease and reading the
    /// session under it does not wait for it, so a refresh whose holder died can be sent again at once.
    @Test(.enabled(if: python3 != nil, "needs python3"))
    func aBusyStoreDoesNotHoldUpTheLease() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        let store = try SQLiteTokenStore(path: path)
        let session = StoredSession(
            server: "jira", accessToken: "at-secret-1", refreshToken: "rt-secret-1", scope: nil, issuedAt: Self.now,
            expiresAt: Self.now.addingTimeInterval(3600), client: nil)
        try await store.save(session)
        let ready = folder.path("ready")
        let writer = try python(
            """
            import sqlite3, sys, time
            db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=5)
            db.execute("BEGIN IMMEDIATE")
            open(sys.argv[2], "w").close()
            time.sleep(5)
            db.execute("COMMIT")
            """, path, ready)
        defer { if writer.isRunning { kill(writer.processIdentifier, SIGKILL) } }
        try await waitForFile(ready, while: writer)

        let started = ContinuousClock.now
        let lease = try await store.acquireLease(for: "jira", owner: "me", until: Self.now, now: Self.now)
        #expect(lease == .acquired(session))
        #expect(ContinuousClock.now - started < .seconds(2), "it did not wait for the 5 s write lock")
        #expect(writer.isRunning, "the other writer still held the lock")
    }

    /// A holder that died after staging new tokens (its commit was waiting for a busy database): the next holder
    /// stores them and gets them back, instead of the rotated-out refresh token. Staged tokens for another
    /// generation (a sign-in or a logout happened since) are dropped.
    @Test func tokensStagedByADeadHolderAreStoredByTheNextOne() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        let dead = try SQLiteTokenStore(path: path)
        let next = try SQLiteTokenStore(path: path)
        try await dead.save(Self.session(refreshToken: "rt-0"))
        let rotated = Self.session(refreshToken: "rt-1", accessToken: "at-1")

        #expect(
            try await dead.acquireLease(for: "jira", owner: "dead", until: Self.now, now: Self.now)
                == .acquired(Self.session(refreshToken: "rt-0")))
        dead.leases.stage(
            "jira", owner: "dead", try #require(StagedRotation(from: "rt-0", session: rotated).sealed(testCipher)))
        dead.leases.release("jira", owner: "dead")  // as its process ending would: the staged part stays

        #expect(
            try await next.acquireLease(for: "jira", owner: "next", until: Self.now, now: Self.now)
                == .acquired(rotated))
        #expect(try await next.session(for: "jira") == rotated)
        #expect(try String(contentsOfFile: next.leases.path(of: "jira"), encoding: .utf8) == ownerLine("next"))

        // Staged on top of rt-0, but the store has moved on to rt-1: not applied. (In plain JSON, as an oauthtop from
        // before sealing staged it: still understood.)
        next.leases.stage(
            "jira", owner: "next",
            try JSONEncoder().encode(StagedRotation(from: "rt-0", session: Self.session(refreshToken: "rt-stale"))))
        next.leases.release("jira", owner: "next")
        #expect(
            try await dead.acquireLease(for: "jira", owner: "again", until: Self.now, now: Self.now)
                == .acquired(rotated))
    }

    /// A commit that waits for another writer stages its tokens in the lease file (on disk) after 200 ms, and
    /// empties it once the database has them.
    @Test(.enabled(if: python3 != nil, "needs python3"))
    func aCommitWaitingForTheDatabaseStagesItsTokens() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path("oauthtop.sqlite")
        let store = try SQLiteTokenStore(path: path)
        try await store.save(Self.session(refreshToken: "rt-0"))
        _ = try await store.acquireLease(for: "jira", owner: "me", until: Self.now, now: Self.now)
        let ready = folder.path("ready")
        let release = folder.path("release")
        let writer = try python(
            """
            import os, sqlite3, sys, time
            db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=5)
            db.execute("BEGIN IMMEDIATE")
            open(sys.argv[2], "w").close()
            deadline = time.monotonic() + 4
            while not os.path.exists(sys.argv[3]) and time.monotonic() < deadline:
                time.sleep(0.01)
            db.execute("COMMIT")
            """, path, ready, release)
        defer { if writer.isRunning { kill(writer.processIdentifier, SIGKILL) } }
        try await waitForFile(ready, while: writer)

        let rotated = Self.session(refreshToken: "rt-1", accessToken: "at-1")
        let commit = Task { try await store.commit(rotated, releasingLeaseOf: "me") }
        let lockFile = store.leases.path(of: "jira")
        let deadline = ContinuousClock.now + .seconds(3)
        var staged: StagedRotation?
        var text = ""
        while staged == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            text = try String(contentsOfFile: lockFile, encoding: .utf8)
            if let sealed = text.split(separator: "\n", maxSplits: 1).dropFirst().first {
                staged = StagedRotation(Data(sealed.utf8), sealing: testCipher)
            }
        }
        #expect(staged?.from == "rt-0" && staged?.session == rotated, "staged while the database was held")
        // Sealed: neither refresh token nor the access token in the clear.
        for secret in ["rt-0", "rt-1", "at-1"] { #expect(!text.contains(secret)) }
        #expect(FileManager.default.createFile(atPath: release, contents: nil))
        #expect(try await commit.value == .stored(leaseWasOurs: true))
        #expect(try String(contentsOfFile: lockFile, encoding: .utf8) == ownerLine("me"))
        #expect(try await store.session(for: "jira") == rotated)
    }

    static func session(refreshToken: String, accessToken: String = "at-0") -> StoredSession {
        StoredSession(
            server: "jira", accessToken: accessToken, refreshToken: refreshToken, scope: nil, issuedAt: now,
            expiresAt: now.addingTimeInterval(3600), client: nil)
    }

    /// Within one process, engines (owners) exclude each other too; a commit or a release gives back only the
    /// committer's own lease.
    @Test func ownersOfOneStoreExcludeEachOtherUntilReleased() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        let later = Self.now.addingTimeInterval(0.25)
        #expect(try await store.acquireLease(for: "jira", owner: "a", until: later, now: Self.now) == .acquired(nil))
        #expect(try await store.acquireLease(for: "jira", owner: "a", until: later, now: Self.now) == .acquired(nil))
        #expect(
            try await store.acquireLease(for: "jira", owner: "b", until: later, now: Self.now)
                == .held(by: "a", until: later))
        try await store.releaseLease(for: "jira", owner: "b")
        #expect(
            try await store.acquireLease(for: "jira", owner: "b", until: later, now: Self.now)
                == .held(by: "a", until: later))
        try await store.releaseLease(for: "jira", owner: "a")
        #expect(try await store.acquireLease(for: "jira", owner: "b", until: later, now: Self.now) == .acquired(nil))
    }

    private func python(_ script: String, _ arguments: String...) throws -> Process {
        let process = Process()
        process.executableURL = python3
        process.arguments = ["-c", script] + arguments
        try process.run()
        return process
    }

    private func waitForFile(_ path: String, while process: Process) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while !FileManager.default.fileExists(atPath: path), ContinuousClock.now < deadline, process.isRunning {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(FileManager.default.fileExists(atPath: path))
    }
}

/// What a lock file holds with nothing staged: its owner on a line of fixed width.
private func ownerLine(_ owner: String) -> String {
    owner + String(repeating: " ", count: LeaseLocks.ownerLineWidth - 1 - owner.utf8.count) + "\n"
}
