import ArgumentParser
import Foundation
import TokenStore

extension OAuthTop {
    struct Logout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget a server's tokens on this machine and stop refreshing it.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The server's name in the config.") var name: String

        func run() async throws {
            let runtime = try Runtime.open(global)
            _ = try runtime.server(name)
            let had = try await runtime.store.session(for: name) != nil
            try await runtime.store.deleteSession(for: name)
            try await runtime.store.saveRefreshState(StoredRefreshState(state: "logged_out"), for: name)
            runtime.logger.info("OAuth session logged out", metadata: ["server": "\(name)"])
            print(had ? "\(name): logged out; local tokens forgotten" : "\(name): was not signed in; nothing to forget")
        }
    }
}
