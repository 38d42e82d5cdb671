/// Why an attempt runs; logged with it.
enum Trigger: String, Sendable, Equatable {
    case startup, timer, retry, wake, forced
    /// The MCP server answered 401 to a token that was not just refreshed.
    case probe
}
