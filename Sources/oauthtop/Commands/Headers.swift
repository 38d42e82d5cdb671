import ArgumentParser
import Foundation

extension OAuthTop {
    struct Headers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print {\"Authorization\": \"Bearer …\"} for clients with a headers helper.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The server's name in the config.") var name: String

        func run() async throws {
            let runtime = try Runtime.open(global)
            let session = try await runtime.validSession(for: try runtime.server(name))
            print(try Self.json(accessToken: session.accessToken))
            exitSkippingCleanup()
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
