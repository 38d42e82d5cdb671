/// Why `TokenIssuer` handed out no token, in the three groups of DESIGN.md's exit codes. The message names the
/// server and what to do next, and never holds a token.
public enum TokenIssueError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Only a new sign-in helps (exit 3).
    case signInRequired(String)
    /// A later attempt may succeed (exit 1).
    case retryable(String)
    /// The server cannot be refreshed as configured (exit 2).
    case configuration(String)

    public var description: String {
        switch self {
        case .signInRequired(let message), .retryable(let message), .configuration(let message): message
        }
    }

    /// A refresh the engine refused, with the engine's words.
    init(_ error: EngineError) {
        switch error {
        case .unknownServer, .disabled, .misconfigured: self = .configuration(error.description)
        case .signInRequired, .loggedOut: self = .signInRequired(error.description)
        case .signInRunning: self = .retryable(error.description)
        }
    }
}
