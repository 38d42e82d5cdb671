import ArgumentParser
import Foundation
import RefreshEngine
import TokenStore

extension OAuthTop {
    struct Logout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Revoke a server's tokens at the provider (when it offers revocation), forget them here and stop refreshing."
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The server's name in the config.") var name: String

        func run() async throws {
            let runtime = try Runtime.open(global)
            let server = try runtime.server(name)
            let engine = runtime.engine(
                [server.definition], signIn: runtime.browserSignIn(browser: .printOnly, say: { _ in }))
            try await engine.start()
            let outcome: LogoutOutcome
            do {
                outcome = try await engine.logout(name)
            } catch let error as EngineError {
                throw engineFailure(error)
            }
            guard outcome.hadSession else {
                print("\(name): was not signed in; nothing to forget")
                return
            }
            switch outcome.revocation {
            case .revoked?:
                print("\(name): logged out; tokens revoked at the provider and forgotten here")
            case .failed(let error)?:
                print("\(name): logged out; local tokens forgotten")
                printError("warning: the provider did not confirm the revocation of '\(name)': \(error)")
            case .notAdvertised?, nil:
                print("\(name): logged out; local tokens forgotten (the provider does not advertise revocation)")
            }
        }
    }
}
