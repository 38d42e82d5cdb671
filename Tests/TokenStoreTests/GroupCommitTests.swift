import Foundation
import GRDB
import Testing

@testable import TokenStore

/// Writes of concurrent tasks share transactions, yet each one succeeds or fails on its own and returns only
/// once it is committed.
@Suite struct GroupCommitTests {
    private struct Refused: Error {}

    private static func session(_ server: String) -> StoredSession {
        StoredSession(
            server: server, accessToken: "at-\(server)-Qm2vX9kLp4RzT8wYc1Nf", refreshToken: "rt-\(server)-Hn4Wq8zVx2",
            issuedAt: Date(timeIntervalSince1970: 1_750_000_000),
            expiresAt: Date(timeIntervalSince1970: 1_750_003_600))
    }

    @Test func concurrentWritesAllLandAndAFailingOneFailsAlone() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        let names = (0..<200).map { "server-\($0)" }
        let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
            for name in names {
                group.addTask {
                    do {
                        try await store.writing { db in
                            try SessionRecord(Self.session(name), updatedAt: Date(), sealing: testCipher).upsert(db)
                            // One write changes its row and then throws: its savepoint is rolled back.
                            if name == "server-13" { throw Refused() }
                        }
                        return (name, true)
                    } catch {
                        return (name, false)
                    }
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.filter { !$0.value }.map(\.key) == ["server-13"])
        let stored = Set(try await store.sessions().map(\.server))
        #expect(stored == Set(names).subtracting(["server-13"]))
    }

    @Test func aWriteSeesTheWritesBeforeItInTheSameTransaction() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        let now = Date(timeIntervalSince1970: 1_750_000_000)
        async let first = store.acquireLease(
            for: "jira", owner: "pid-1", until: now.addingTimeInterval(35), now: now)
        async let second = store.acquireLease(
            for: "jira", owner: "pid-2", until: now.addingTimeInterval(35), now: now)
        let outcomes = try await [first, second]
        let acquired = outcomes.filter { if case .acquired = $0 { true } else { false } }
        #expect(acquired.count == 1, "one lease, however the two were batched: \(outcomes)")
    }
}
