import Foundation
import Testing

@testable import oauthtop

@Suite struct LogTailTests {
    @Test func showsOneServersLinesReadably() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("logtail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("oauthtop.log").path
        let lines = [
            #"{"label":"oauthtop","level":"info","msg":"OAuth token refresh attempt","retry_count":"0","server":"flaky","trigger":"timer","ts":"2026-11-27T10:42:07.123+0000"}"#,
            #"{"label":"oauthtop","level":"info","msg":"OAuth token refresh attempt","server":"other","ts":"2026-11-27T10:42:07.200+0000"}"#,
            "not json",
            #"{"error":"HTTP 503","label":"oauthtop","level":"warning","msg":"OAuth token refresh failed","server":"flaky","ts":"2026-11-27T10:42:08.000+0000"}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(
            LogTail(path: path).lines(for: "flaky") == [
                "10:42:07 info    OAuth token refresh attempt  retry_count=0 trigger=timer",
                "10:42:08 warning OAuth token refresh failed  error=HTTP 503",
            ])
        #expect(LogTail(path: path, limit: 1).lines(for: "flaky").count == 1)
        #expect(LogTail(path: folder.appendingPathComponent("missing").path).lines(for: "flaky").isEmpty)
    }
}
