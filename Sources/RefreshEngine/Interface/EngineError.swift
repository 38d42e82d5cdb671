/// A request to the engine that cannot be carried out, in words the user can act on.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownServer(String)
    case disabled(String)
    case misconfigured(String, String)
    case signInRequired(String)
    case loggedOut(String)
    case signInRunning(String)

    public var description: String {
        switch self {
        case .unknownServer(let name):
            "no server named '\(name)' in the configuration"
        case .disabled(let name):
            "server '\(name)' is disabled in the configuration; set \"enabled\": true to refresh it"
        case .misconfigured(let name, let problem):
            "server '\(name)' has a configuration error: \(problem)"
        case .signInRequired(let name):
            "server '\(name)' has no session; sign in with: oauthtop login \(name)"
        case .loggedOut(let name):
            "server '\(name)' is logged out; sign in with: oauthtop login \(name)"
        case .signInRunning(let name):
            "a browser sign-in for '\(name)' is running; finish or cancel it first"
        }
    }
}
