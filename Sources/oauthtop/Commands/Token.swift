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
            let session = try await runtime.validSession(for: try runtime.server(name))
            print(session.accessToken)
            exitSkippingCleanup()
        }
    }
}
