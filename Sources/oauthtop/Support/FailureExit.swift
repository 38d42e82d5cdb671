import ArgumentParser
import RefreshEngine

/// The exit code and message for a request the engine refused.
func engineFailure(_ error: EngineError) -> ExitCode {
    switch error {
    case .unknownServer, .disabled, .misconfigured:
        fail(.usage, error.description)
    case .signInRequired, .loggedOut:
        fail(.signIn, error.description)
    case .signInRunning:
        fail(.retryable, error.description)
    }
}

/// The exit code and message for a token `TokenIssuer` could not hand out.
func tokenFailure(_ error: TokenIssueError) -> ExitCode {
    fail(Exit(error), error.description)
}

extension Exit {
    init(_ error: TokenIssueError) {
        switch error {
        case .signInRequired: self = .signIn
        case .retryable: self = .retryable
        case .configuration: self = .usage
        }
    }
}
