import ArgumentParser
import RefreshEngine

/// The exit code and message for a request the engine refused.
func engineFailure(_ error: EngineError) -> ExitCode {
    fail(Exit(error), error.description)
}

/// The exit code and message for a token `TokenIssuer` could not hand out.
func tokenFailure(_ error: TokenIssueError) -> ExitCode {
    fail(Exit(error), error.description)
}

extension Exit {
    init(_ error: EngineError) {
        switch error {
        case .unknownServer, .disabled, .misconfigured: self = .usage
        case .signInRequired, .loggedOut: self = .signIn
        case .signInRunning: self = .retryable
        }
    }

    init(_ error: TokenIssueError) {
        switch error {
        case .signInRequired: self = .signIn
        case .retryable: self = .retryable
        case .configuration: self = .usage
        }
    }
}
