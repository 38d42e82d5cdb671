/// The `Bearer` challenge of a `WWW-Authenticate` header (RFC 6750 section 3, RFC 9728 section 5.1).
///
/// Parsing is lenient: the scheme is matched case-insensitively, other schemes in the same header are skipped,
/// values may be quoted (with `\` escapes) or bare tokens, and parameter names are lowercased.
public struct BearerChallenge: Sendable, Equatable {
    public var parameters: [String: String]

    public var error: String? { parameters["error"] }
    public var errorDescription: String? { parameters["error_description"] }
    /// RFC 9728: where the protected resource metadata lives.
    public var resourceMetadata: String? { parameters["resource_metadata"] }
    /// The scopes the server wants for this request (MCP 2025-11-25 step 7).
    public var scope: String? { parameters["scope"] }

    public init(parameters: [String: String]) {
        self.parameters = parameters
    }

    /// `invalid_token: Authentication required`, or `nil` when the challenge carries no error.
    public var summary: String? {
        let parts = [error, errorDescription].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: ": ")
    }

    /// The first `Bearer` challenge in `header`, or `nil` when there is none.
    public init?(header: String) {
        var scanner = ChallengeScanner(Array(header.unicodeScalars))
        var inBearer = false
        var parameters: [String: String] = [:]
        scan: while let item = scanner.next() {
            switch item {
            case .scheme(let scheme):
                if inBearer { break scan }  // the next challenge begins
                inBearer = scheme.lowercased() == "bearer"
            case .parameter(let name, let value):
                if inBearer, parameters[name.lowercased()] == nil { parameters[name.lowercased()] = value }
            }
        }
        let found = inBearer
        guard found else { return nil }
        self.parameters = parameters
    }
}

/// Splits `Scheme a=b, c="d", Other x=y` into schemes and their parameters.
private struct ChallengeScanner {
    enum Item {
        case scheme(String)
        case parameter(String, String)
    }

    private let scalars: [Unicode.Scalar]
    private var index = 0

    init(_ scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    mutating func next() -> Item? {
        skip { $0 == " " || $0 == "\t" || $0 == "," }
        guard index < scalars.count else { return nil }
        let token = readToken()
        guard !token.isEmpty else {
            index += 1  // a stray character: skip it
            return next()
        }
        skip { $0 == " " || $0 == "\t" }
        guard index < scalars.count, scalars[index] == "=" else { return .scheme(token) }
        // token68 (`Basic abc==`) ends in '=' characters without a value: treat as the scheme's blob.
        index += 1
        skip { $0 == " " || $0 == "\t" }
        if index < scalars.count, scalars[index] == "\"" {
            return .parameter(token, readQuoted())
        }
        return .parameter(token, readToken())
    }

    private mutating func skip(_ predicate: (Unicode.Scalar) -> Bool) {
        while index < scalars.count, predicate(scalars[index]) { index += 1 }
    }

    private mutating func readToken() -> String {
        var text = String.UnicodeScalarView()
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == " " || scalar == "\t" || scalar == "," || scalar == "=" || scalar == "\"" { break }
            text.append(scalar)
            index += 1
        }
        return String(text)
    }

    private mutating func readQuoted() -> String {
        index += 1  // opening quote
        var text = String.UnicodeScalarView()
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            if scalar == "\\", index < scalars.count {
                text.append(scalars[index])
                index += 1
            } else if scalar == "\"" {
                break
            } else {
                text.append(scalar)
            }
        }
        return String(text)
    }
}
