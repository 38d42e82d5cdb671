import Foundation
import Testing

@testable import oauthtop

@Suite struct SubprocessTests {
    /// A real child process: polled (it runs on its own clock), never for more than 10 s.
    static func poll(_ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    @Test func detachedChildGetsItsArgumentsAndIsReaped() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("svc-spawn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let record = folder.appendingPathComponent("args").path
        let pid = try #require(
            Subprocess.spawnDetached(
                "/bin/sh", ["-c", #"printf '%s|' "$@" > "$RECORD""#, "sh", "a b", "—ü"],
                environment: ["RECORD": record, "PATH": "/usr/bin:/bin"]))
        #expect(Self.poll { (try? String(contentsOfFile: record, encoding: .utf8)) == "a b|—ü|" })
        // Reaped by the spawner's thread: no zombie left behind under /proc.
        #expect(Self.poll { !FileManager.default.fileExists(atPath: "/proc/\(pid)") })
    }

    @Test func missingProgramIsNil() {
        #expect(Subprocess.spawnDetached("/nonexistent/notify-send", []) == nil)
    }

    @Test func runCapturesBothStreamsAndTheStatus() throws {
        let result = try Subprocess.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"])
        #expect(result == Subprocess.Result(status: 3, output: "out\n", error: "err\n"))
        #expect(result.firstLine == "err")
    }

    @Test func findLooksAlongPath() {
        #expect(Subprocess.find("sh", environment: ["PATH": "/nonexistent:/bin"]) == "/bin/sh")
        #expect(Subprocess.find("no-such-program-here", environment: ["PATH": "/bin:/usr/bin"]) == nil)
    }
}
