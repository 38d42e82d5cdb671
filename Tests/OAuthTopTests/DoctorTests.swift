import Foundation
import OAuth
import Testing

@testable import oauthtop

@Suite struct DoctorTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func theClockPassesWithinHalfAMinuteAndOtherwiseSaysByHowMuchAndWhatToDo() {
        let close = ClockCheck.verdict([
            ("a.example.com", Self.now.addingTimeInterval(-3), Self.now),
            ("b.example.com", Self.now.addingTimeInterval(12), Self.now),
        ])
        #expect(close == .ok("clock", "agrees with 2 providers (at most 12 s behind b.example.com)"))
        let ahead = ClockCheck.verdict([("a.example.com", Self.now.addingTimeInterval(-600), Self.now)])
        #expect(ahead.verdict == .fail)
        #expect(
            ahead.text
                == "this machine's clock is 600 s ahead of a.example.com: tokens will be refreshed at the wrong time; "
                + "turn on time synchronisation (timedatectl set-ntp true)")
        #expect(ClockCheck.verdict([]).verdict == .skip)
    }

    @Test func httpDatesParseInTheOneFormSendersUse() {
        #expect(Reachability.httpDate("Sun, 06 Nov 1994 08:49:37 GMT") == Date(timeIntervalSince1970: 784_111_777))
        #expect(Reachability.httpDate("Sunday, 06-Nov-94 08:49:37 GMT") == nil)
        #expect(Reachability.httpDate("") == nil)
    }

    @Test func aPrivateStateFolderPassesAndEachLooseFileIsNamedWithItsFix() throws {
        let folder = NSTemporaryDirectory() + "oauthtop-doctor-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        chmod(folder, 0o700)
        for name in ["oauthtop.sqlite", "oauthtop.log"] {
            _ = FileManager.default.createFile(
                atPath: folder + "/" + name, contents: Data(), attributes: [.posixPermissions: 0o600])
        }
        #expect(StateFolderCheck(folder: folder).run().verdict == .ok)
        chmod(folder + "/oauthtop.log", 0o644)
        let loose = StateFolderCheck(folder: folder).run()
        #expect(loose.verdict == .fail)
        #expect(loose.text.hasPrefix("oauthtop.log is 0644; tokens may have been read by others: run chmod 600 "))
        chmod(folder + "/oauthtop.log", 0o600)
        chmod(folder, 0o777)
        let shared = StateFolderCheck(folder: folder).run()
        #expect(shared.text.contains("anyone can write in it") && shared.text.contains("OAUTHTOP_STATE_DIR"))
        chmod(folder, 0o700)
        #expect(StateFolderCheck(folder: folder, uid: getuid() + 1).run().text.contains("not you"))
        #expect(StateFolderCheck(folder: folder + "/missing").run().verdict == .ok)
    }
}
