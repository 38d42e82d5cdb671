import Foundation

/// The `mcpServers` entries that make Claude Code ask oauthtop for each request's headers: the server's `url`
/// with `"type": "http"`, and a `headersHelper` command that prints `{"Authorization": "Bearer …"}`.
///
/// The helper names the server (`oauthtop headers NAME`) rather than relying on Claude Code's
/// `CLAUDE_CODE_MCP_SERVER_NAME`, so the entry keeps working if the user renames it in Claude Code; the config and
/// state folders are named in it when this run was given them (by option or environment), because Claude Code
/// may run the helper in an environment without them.
struct ClaudeCodeEntries {
    /// How to start this oauthtop: its path, absolute.
    var executable: String
    /// `--config` and `--state-dir` for the helper, when they are not the defaults.
    var config: String?
    var stateDirectory: String?

    /// `headersHelper` for one server.
    func helper(for name: String) -> String {
        var words = [executable, "headers", name]
        if let config { words += ["--config", config] }
        if let stateDirectory { words += ["--state-dir", stateDirectory] }
        return ShellWords.join(words)
    }

    /// The entry of one server, as Claude Code's `mcpServers` holds it.
    func entry(name: String, url: String) -> [String: String] {
        ["type": "http", "url": url, "headersHelper": helper(for: name)]
    }

    /// `{"mcpServers": {NAME: entry, …}}`, pretty-printed with sorted keys.
    func document(_ servers: [(name: String, url: String)]) throws -> String {
        let object = [
            "mcpServers": Dictionary(uniqueKeysWithValues: servers.map { ($0.name, entry(name: $0.name, url: $0.url)) })
        ]
        let data = try JSONSerialization.data(
            withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}

extension ClaudeCodeEntries {
    /// The running executable as the user reached it: `argv[0]` made absolute (through `PATH` when it has no
    /// slash), symlinks kept, so an entry written from `~/.local/bin/oauthtop` keeps naming that path after an
    /// upgrade replaces what it points to.
    static func currentExecutable(
        argument0: String = CommandLine.arguments.first ?? "oauthtop",
        environment: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) -> String {
        if argument0.hasPrefix("/") { return (argument0 as NSString).standardizingPath }
        if argument0.contains("/") {
            return ((workingDirectory as NSString).appendingPathComponent(argument0) as NSString).standardizingPath
        }
        for folder in (environment["PATH"] ?? "").split(separator: ":") where folder.hasPrefix("/") {
            let candidate = String(folder) + "/" + argument0
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        // Not found on PATH (started some other way): the kernel's answer.
        return (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? argument0
    }

    /// A path from an option or the environment, absolute.
    static func absolute(_ path: String, workingDirectory: String = FileManager.default.currentDirectoryPath) -> String
    {
        path.hasPrefix("/")
            ? (path as NSString).standardizingPath
            : ((workingDirectory as NSString).appendingPathComponent(path) as NSString).standardizingPath
    }
}
