import Foundation
import Logging
import Testing

@testable import Telemetry

@Suite struct JSONLinesLogHandlerTests {
    @Test func writesOneJSONObjectPerEventToA0600File() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("oauthtop-log-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("oauthtop.log").path
        let file = try LogFile(path: path)
        let logger = Logger(label: "oauthtop.engine", factory: { JSONLinesLogHandler(label: $0, file: file) })
        logger.info("OAuth token refresh succeeded", metadata: ["server": "jira", "duration_ms": "42"])
        logger.warning("OAuth token refresh failed", metadata: ["server": "jira", "refresh_token": "rt_SECRET"])

        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["msg"] as? String == "OAuth token refresh succeeded")
        #expect(first["level"] as? String == "info")
        #expect(first["server"] as? String == "jira")
        #expect(first["duration_ms"] as? String == "42")
        #expect((first["ts"] as? String)?.hasSuffix("Z") == true)
        #expect(!lines[1].contains("rt_SECRET"))
        #expect(lines[1].contains(#""refresh_token":"[redacted]""#))
    }

    @Test func anyTextInALineStaysValidJSONWithSortedKeys() throws {
        let awkward = "quote \" backslash \\ slash / newline \n tab \t bell \u{7} null \u{0} é 🔑 \u{2028}"
        let line = JSONLinesLogHandler.line(
            level: .warning, message: awkward, label: "oauthtop",
            metadata: ["z": "last", "nested": ["list": ["a\"b", "c"], "map": ["k": "v\n"]], "a": .string(awkward)],
            date: Date(timeIntervalSince1970: 1_796_000_000))

        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["msg"] as? String == awkward)
        #expect(object["a"] as? String == awkward)
        let nested = try #require(object["nested"] as? [String: Any])
        #expect(nested["list"] as? [String] == ["a\"b", "c"])
        #expect(nested["map"] as? [String: String] == ["k": "v\n"])
        #expect(line.contains(#"bell \u0007 null \u0000 "#))
        let keys = ["a", "label", "level", "msg", "nested", "pid", "ts", "z"]
        let positions = keys.map { line.range(of: "\"\($0)\":")!.lowerBound }
        #expect(positions == positions.sorted())
        #expect(object["ts"] as? String == "2026-11-30T00:53:20.000Z")
    }

    @Test(arguments: [
        ("Authorization: Bearer eyJhbGciOi.abc-def_ghi", "Authorization: Bearer [redacted]"),
        ("POST body refresh_token=rt_abc123&client_id=x", "POST body refresh_token=[redacted]&client_id=x"),
        ("code=ac_1&state=s1", "code=[redacted]&state=s1"),
        ("nothing secret here", "nothing secret here"),
        ("proxy sent Basic dXNlcjpwYXNzd29yZA", "proxy sent Basic [redacted]"),
    ])
    func scrubsCredentialsInsideText(input: String, output: String) {
        #expect(Redaction.scrub(input) == output)
    }
}

/// Issue 12: the log cannot be steered by a symlink planted in its place, and a log others could read is said so.
@Suite struct LogFileSafetyTests {
    static func folder() throws -> String {
        let path = NSTemporaryDirectory() + "oauthtop-logfile-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aSymlinkInPlaceOfTheLogIsRefusedAndItsTargetLeftAlone() throws {
        let folder = try Self.folder()
        let target = folder + "/elsewhere"
        _ = FileManager.default.createFile(
            atPath: target, contents: Data("theirs\n".utf8), attributes: [.posixPermissions: 0o644])
        try FileManager.default.createSymbolicLink(atPath: folder + "/oauthtop.log", withDestinationPath: target)
        #expect(throws: LogFile.OpenError.self) { try LogFile(path: folder + "/oauthtop.log") }
        do {
            _ = try LogFile(path: folder + "/oauthtop.log")
        } catch {
            #expect("\(error)".hasSuffix("oauthtop.log: it is a symbolic link; remove it"))
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: target)
        #expect(attributes[.posixPermissions] as? Int == 0o644, "not chmodded through the link")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "theirs\n")
    }

    @Test func aLogOthersCouldReadIsMadePrivateAndSaidOnce() throws {
        let folder = try Self.folder()
        let path = folder + "/oauthtop.log"
        _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644])
        #expect(try LogFile(path: path).wasExposed)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        #expect(try LogFile(path: path).wasExposed == false)
    }
}
