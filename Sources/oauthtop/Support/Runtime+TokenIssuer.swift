import RefreshEngine
import TokenStore

extension Runtime {
    /// A valid session for `server` (`token`, `headers`); a refresh that failed while the token is still valid is
    /// a warning on stderr. Otherwise ends the command with DESIGN.md's exit code and one message.
    func validSession(for server: ServerConfig) async throws -> StoredSession {
        let issuer = TokenIssuer(store: store, policy: config.refresh, makeEngine: { self.engine([$0]) })
        do {
            let issued = try await issuer.validSession(for: server.definition)
            if let warning = issued.warning { printError(warning) }
            return issued.session
        } catch let error as TokenIssueError {
            throw tokenFailure(error)
        }
    }
}
