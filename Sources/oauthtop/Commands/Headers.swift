import ArgumentParser
import Foundation

extension OAuthTop {
    struct Headers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print {\"Authorization\": \"Bearer …\"} for clients with a headers helper.")

        @OptionGroup var global: GlobalOptions
        @Argument(
            help: """
                The server's name in the config; without it, the server named by CLAUDE_CODE_MCP_SERVER_NAME, else \
                the one whose url is CLAUDE_CODE_MCP_SERVER_URL (Claude Code's headersHelper).
                """)
        var name: String?

        func run() async throws {
            let runtime = try Runtime.open(global)
            let server = try Self.server(runtime, named: name, environment: ProcessInfo.processInfo.environment)
            let session = try await runtime.validSession(for: server)
            print(try Self.json(accessToken: session.accessToken))
            exitSkippingCleanup()
        }

        /// NAME, else Claude Code's `headersHelper` environment: the server's name, else its URL. Never prompts; a
        /// miss is one line on stderr saying what to run, exit 2.
        static func server(_ runtime: Runtime, named name: String?, environment: [String: String]) throws
            -> ServerConfig
        {
            if let name { return try runtime.server(name) }
            if let named = environment["CLAUDE_CODE_MCP_SERVER_NAME"], !named.isEmpty,
                let server = runtime.config.server(named: named)
            {
                return server
            }
            if let url = environment["CLAUDE_CODE_MCP_SERVER_URL"], !url.isEmpty,
                let server = runtime.config.servers.first(where: { $0.url == url })
            {
                return server
            }
            let asked = [
                environment["CLAUDE_CODE_MCP_SERVER_NAME"].map { "CLAUDE_CODE_MCP_SERVER_NAME=\($0)" },
                environment["CLAUDE_CODE_MCP_SERVER_URL"].map { "CLAUDE_CODE_MCP_SERVER_URL=\($0)" },
            ].compactMap { $0 }
            throw fail(
                .usage,
                (asked.isEmpty
                    ? "no server NAME given, and neither CLAUDE_CODE_MCP_SERVER_NAME nor CLAUDE_CODE_MCP_SERVER_URL is set"
                    : "no server in \(runtime.config.path) matches \(asked.joined(separator: " or "))")
                    + "; run: oauthtop headers NAME (oauthtop list shows the names)")
        }

        /// One JSON object, `{"Authorization":"Bearer …"}`, as headers helpers (Claude Code's `headersHelper`)
        /// read it.
        static func json(accessToken: String) throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(["Authorization": "Bearer " + accessToken]), as: UTF8.self)
        }
    }
}
