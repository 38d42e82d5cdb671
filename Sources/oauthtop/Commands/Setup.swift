import ArgumentParser
import Foundation

extension OAuthTop {
    struct Setup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wire an MCP client to oauthtop, so that it asks oauthtop for fresh tokens.",
            subcommands: [ClaudeCode.self])
    }
}

extension OAuthTop.Setup {
    struct ClaudeCode: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "claude-code",
            abstract:
                "Print the mcpServers entries that make Claude Code call `oauthtop headers` (url, headersHelper).",
            discussion: """
                Without --write, prints {"mcpServers": {…}} on stdout, to paste into ~/.claude.json (every project) \
                or a project's .mcp.json. With --write FILE, merges the entries into FILE: every other key and \
                server is kept, an entry of the same name is replaced, the old file is copied to FILE.bak-TIME \
                first, and a file that is not a JSON object is left untouched (exit 2). Quit Claude Code before \
                writing ~/.claude.json: it rewrites that file while it runs.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Servers to wire, by their name in oauthtop's config (default: every enabled server).")
        var names: [String] = []

        @Option(help: ArgumentHelp("Merge the entries into this Claude Code config file.", valueName: "file"))
        var write: String?

        func run() throws {
            let environment = ProcessInfo.processInfo.environment
            let paths = Paths(global, environment: environment)
            let config: Config
            do {
                config = try ConfigLoader(path: paths.config).load()
            } catch {
                throw fail(.usage, error.description)
            }
            let servers = try Self.chosen(names, from: config)
            let entries = Self.entries(global, environment: environment)
            if let write {
                try Self.write(servers, entries: entries, to: write)
            } else {
                print(try entries.document(servers.map { ($0.name, $0.url) }))
            }
        }

        /// The named servers, or every enabled one; an unknown name is exit 2 naming the config.
        static func chosen(_ names: [String], from config: Config) throws -> [ServerConfig] {
            if names.isEmpty {
                let enabled = config.servers.filter(\.enabled)
                if enabled.isEmpty { throw fail(.usage, "no enabled server in \(config.path) to wire") }
                return enabled
            }
            return try names.map { name in
                guard let server = config.server(named: name) else {
                    let known = config.servers.map(\.name).joined(separator: ", ")
                    throw fail(
                        .usage,
                        "no server named '\(name)' in \(config.path)" + (known.isEmpty ? "" : " (servers: \(known))"))
                }
                return server
            }
        }

        /// The helper command for this oauthtop, naming the config and state folder when this run was given
        /// them (Claude Code may run the helper without our environment).
        static func entries(_ global: GlobalOptions, environment: [String: String]) -> ClaudeCodeEntries {
            let config = global.config ?? environment["OAUTHTOP_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
            let state = global.stateDir ?? environment["OAUTHTOP_STATE_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            return ClaudeCodeEntries(
                executable: ClaudeCodeEntries.currentExecutable(environment: environment),
                config: config.map { ClaudeCodeEntries.absolute($0) },
                stateDirectory: state.map { ClaudeCodeEntries.absolute($0) })
        }

        static func write(_ servers: [ServerConfig], entries: ClaudeCodeEntries, to path: String) throws {
            let file = ClientConfigFile(path: path)
            let wanted = Dictionary(
                servers.map { ($0.name, entries.entry(name: $0.name, url: $0.url)) },
                uniquingKeysWith: { first, _ in first })
            do {
                let (merge, backup) = try file.write(wanted)
                guard merge.changed else {
                    printError(
                        "\(path) already has these entries (\(merge.unchanged.joined(separator: ", "))); not written")
                    return
                }
                var parts: [String] = []
                if !merge.added.isEmpty { parts.append("added \(merge.added.joined(separator: ", "))") }
                if !merge.replaced.isEmpty { parts.append("replaced \(merge.replaced.joined(separator: ", "))") }
                if !merge.unchanged.isEmpty { parts.append("unchanged \(merge.unchanged.joined(separator: ", "))") }
                printError(
                    "wrote \(path): " + parts.joined(separator: "; ")
                        + (backup.map { "; the old file is in \($0)" } ?? ""))
            } catch {
                switch error {
                case .notJSON, .notAnObject: throw fail(.usage, error.description)
                case .unreadable, .unwritable: throw fail(.retryable, error.description)
                }
            }
        }
    }
}
