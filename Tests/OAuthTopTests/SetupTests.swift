import Foundation
import Testing

@testable import oauthtop

@Suite struct SetupTests {
    @Test func wordsAreQuotedOnlyWhenTheShellWouldChangeThem() {
        #expect(
            ShellWords.join(["/home/a/.local/bin/oauthtop", "headers", "work"])
                == "/home/a/.local/bin/oauthtop headers work")
        #expect(ShellWords.quote("/home/a b/oauthtop") == "'/home/a b/oauthtop'")
        #expect(ShellWords.quote("it's") == #"'it'\''s'"#)
        #expect(ShellWords.quote("$HOME") == "'$HOME'")
        #expect(ShellWords.quote("") == "''")
    }

    @Test func theHelperNamesTheServerAndTheFoldersThisRunWasGiven() {
        let plain = ClaudeCodeEntries(executable: "/usr/local/bin/oauthtop")
        #expect(
            plain.entry(name: "work", url: "https://mcp.example.com/mcp") == [
                "type": "http", "url": "https://mcp.example.com/mcp",
                "headersHelper": "/usr/local/bin/oauthtop headers work",
            ])
        let placed = ClaudeCodeEntries(
            executable: "/opt/my tools/oauthtop", config: "/etc/o/config.json", stateDirectory: "/var/o")
        #expect(
            placed.helper(for: "work")
                == "'/opt/my tools/oauthtop' headers work --config /etc/o/config.json --state-dir /var/o")
    }

    @Test func theExecutableIsFoundAsTheUserReachedIt() throws {
        #expect(ClaudeCodeEntries.currentExecutable(argument0: "/usr/bin/../bin/oauthtop") == "/usr/bin/oauthtop")
        #expect(
            ClaudeCodeEntries.currentExecutable(argument0: ".build/debug/oauthtop", workingDirectory: "/src")
                == "/src/.build/debug/oauthtop")
        let folder = try Self.folder()
        let binary = folder + "/oauthtop"
        _ = FileManager.default.createFile(atPath: binary, contents: Data(), attributes: [.posixPermissions: 0o755])
        #expect(
            ClaudeCodeEntries.currentExecutable(
                argument0: "oauthtop", environment: ["PATH": "/nonexistent:relative:" + folder]) == binary)
    }

    @Test func writingKeepsEveryOtherKeyAndServerAndLeavesABackup() throws {
        let folder = try Self.folder()
        let path = folder + "/claude.json"
        let original = """
            {"numStartups": 12, "autoUpdates": false, "theme": null, "ratio": 0.5, "projects": {"/x": {"allowedTools": ["Bash"]}},
             "mcpServers": {"other": {"command": "npx", "args": ["-y", "x"]}, "work": {"url": "https://old.example.com/mcp"}}}
            """
        try original.write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o600)
        let entries = ClaudeCodeEntries(executable: "/usr/bin/oauthtop")
        let wanted = [
            "work": entries.entry(name: "work", url: "https://mcp.example.com/mcp"),
            "jira": entries.entry(name: "jira", url: "https://jira.example.com/mcp"),
        ]
        let (merge, backup) = try ClientConfigFile(path: path).write(
            wanted, now: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(merge == ClientConfigFile.Merge(added: ["jira"], replaced: ["work"]))
        #expect(backup == path + ".bak-20270115T080000Z")
        #expect(try String(contentsOfFile: try #require(backup), encoding: .utf8) == original)

        let written = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        #expect(written["numStartups"] as? Int == 12)
        #expect(written["autoUpdates"] as? Bool == false)
        #expect(written["theme"] is NSNull)
        #expect(written["ratio"] as? Double == 0.5)
        #expect((written["projects"] as? [String: Any])?["/x"] as? [String: [String]] == ["allowedTools": ["Bash"]])
        let servers = try #require(written["mcpServers"] as? [String: Any])
        let other = try #require(servers["other"] as? [String: Any])
        #expect(other["command"] as? String == "npx" && other["args"] as? [String] == ["-y", "x"] && other.count == 2)
        #expect(servers["work"] as? [String: String] == wanted["work"])
        #expect(servers["jira"] as? [String: String] == wanted["jira"])
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        #expect(try FileManager.default.attributesOfItem(atPath: backup!)[.posixPermissions] as? Int == 0o600)

        // The same entries again: nothing to write, no second backup.
        let again = try ClientConfigFile(path: path).write(wanted, now: Date(timeIntervalSince1970: 1_800_000_100))
        #expect(again.merge == ClientConfigFile.Merge(unchanged: ["jira", "work"]) && again.backup == nil)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == [
                "claude.json", "claude.json.bak-20270115T080000Z",
            ])
    }

    @Test func aFileThatIsNotAJSONObjectIsNeverTouched() throws {
        let folder = try Self.folder()
        let entry = [
            "work": ClaudeCodeEntries(executable: "/usr/bin/oauthtop").entry(name: "work", url: "https://a/mcp")
        ]
        for (name, text, expected) in [
            ("broken.json", "{\"mcpServers\": {", "not valid JSON"),
            ("array.json", "[1, 2]", "the top level in"),
            ("servers.json", "{\"mcpServers\": []}", "mcpServers in"),
        ] {
            let path = folder + "/" + name
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            #expect(throws: ClientConfigFile.Problem.self) { try ClientConfigFile(path: path).write(entry) }
            do {
                _ = try ClientConfigFile(path: path).write(entry)
            } catch {
                #expect(error.description.contains(expected) && error.description.contains("nothing was changed"))
            }
            #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).count == 3)
    }

    @Test func aMissingFileIsCreatedPrivateWithOnlyTheEntries() throws {
        let path = try Self.folder() + "/.mcp.json"
        let entry = [
            "work": ClaudeCodeEntries(executable: "/usr/bin/oauthtop").entry(name: "work", url: "https://a/mcp")
        ]
        let (merge, backup) = try ClientConfigFile(path: path).write(entry)
        #expect(merge.added == ["work"] && backup == nil)
        let written =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
            as? [String: [String: [String: String]]]
        #expect(written == ["mcpServers": entry])
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
    }

    static func folder() throws -> String {
        let path = NSTemporaryDirectory() + "oauthtop-setup-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
