import ArgumentParser
import Foundation

extension OAuthTop {
    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a valid access token, refreshing it first when its refresh time has passed.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The server's name in the config.") var name: String

        func run() async throws {
            let runtime = try Runtime.open(global)
            let session = try await TokenIssuer(runtime: runtime).validSession(for: try runtime.server(name))
            print(session.accessToken)
            exitSkippingCleanup()
        }
    }

    struct Headers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print {\"Authorization\": \"Bearer …\"} for clients with a headers helper.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The server's name in the config.") var name: String

        func run() async throws {
            let runtime = try Runtime.open(global)
            let session = try await TokenIssuer(runtime: runtime).validSession(for: try runtime.server(name))
            let escaped = session.accessToken.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
            print("{\"Authorization\": \"Bearer \(escaped)\"}")
            exitSkippingCleanup()
        }
    }
}

/// Ends a command whose answer is printed: closing the store would checkpoint its write-ahead log (two fsyncs)
/// for nothing, since the next writer checkpoints anyway. Committed data is durable either way.
func exitSkippingCleanup() -> Never {
    fflush(nil)
    Foundation.exit(0)
}
