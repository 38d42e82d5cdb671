import Foundation
import Testing

@testable import TokenStore

/// A lease left by a process of this machine that no longer runs is free at once; any other lease holds until it
/// expires.
@Suite struct LeaseOwnerTests {
    static let boot = LeaseOwner.bootID ?? "no-boot-id"
    static let myStart = LeaseOwner.startTime(of: getpid()) ?? 0
    /// Above Linux's largest pid (PID_MAX_LIMIT, 4,194,304): no process has it.
    static let noSuchPid: pid_t = 4_194_305

    @Test func thisProcessIsNamedWithItsStartAndBoot() throws {
        let owner = LeaseOwner.current(tag: "3f9c2a7e")
        #expect(owner == "pid-\(getpid())-3f9c2a7e start=\(Self.myStart) boot=\(Self.boot)")
        #expect(!LeaseOwner.isGone(owner))
    }

    @Test(arguments: [
        ("a pid nobody has", "pid-\(noSuchPid)-ab12cd34 start=77 boot=\(boot)", true),
        ("our pid, reused: another start time", "pid-\(getpid())-ab12cd34 start=\(myStart + 1) boot=\(boot)", true),
        ("another boot: cannot tell", "pid-\(noSuchPid)-ab12cd34 start=77 boot=00000000-dead-beef", false),
        ("an owner of an older version", "pid-\(noSuchPid)-ab12cd34", false),
        ("a test's owner", "other-process", false),
    ])
    func goneOnlyWhenProvablyGone(label: String, owner: String, gone: Bool) {
        #expect(LeaseOwner.isGone(owner) == gone, "\(label)")
    }

    @Test func aDeadProcesssUnexpiredLeaseIsTakenAtOnce() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        let now = Date(timeIntervalSince1970: 1_750_000_000)
        let dead = "pid-\(Self.noSuchPid)-ab12cd34 start=77 boot=\(Self.boot)"
        let alive = LeaseOwner.current(tag: "sibling1")
        _ = try await store.acquireLease(for: "jira", owner: dead, until: now.addingTimeInterval(35), now: now)
        _ = try await store.acquireLease(for: "linear", owner: alive, until: now.addingTimeInterval(35), now: now)

        let me = LeaseOwner.current(tag: "me000000")
        let jira = try await store.acquireLease(for: "jira", owner: me, until: now.addingTimeInterval(35), now: now)
        let linear = try await store.acquireLease(for: "linear", owner: me, until: now.addingTimeInterval(35), now: now)
        #expect(jira == .acquired(nil))
        guard case .held(let by, let until) = linear else {
            Issue.record("a live process's lease was taken: \(linear)")
            return
        }
        #expect(by == alive)
        // Measured on the boot clock: the time the test took between the two calls (seconds at most, on a busy
        // machine) comes off the 35 s.
        #expect(until <= now.addingTimeInterval(35) && until > now.addingTimeInterval(30))
    }

    /// A wall clock set forward by hours (or moved by a wake) does not make a live process's lease look expired to
    /// the others: its length runs on the boot clock.
    @Test func aClockSetForwardDoesNotEndALiveLease() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteTokenStore(path: folder.path("oauthtop.sqlite"))
        let now = Date()
        let holder = LeaseOwner.current(tag: "holder01")
        _ = try await store.acquireLease(for: "jira", owner: holder, until: now.addingTimeInterval(6), now: now)
        let jumped = now.addingTimeInterval(8 * 3600)
        let outcome = try await store.acquireLease(
            for: "jira", owner: LeaseOwner.current(tag: "sibling1"), until: jumped.addingTimeInterval(6), now: jumped)
        guard case .held(let by, let until) = outcome else {
            Issue.record("the lease was taken over after a jump of the wall clock: \(outcome)")
            return
        }
        #expect(by == holder)
        #expect(
            until > jumped && until <= jumped.addingTimeInterval(6), "it ends 6 s after it was taken, on the new clock")
    }
}
