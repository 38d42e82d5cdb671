import Foundation

/// The RFC 6749 section 5.1 and 5.2 members of a token endpoint body, read from JSON or from a form, as providers
/// really send them. Tolerances (each has a named test in `TokenClientResponseTests`):
/// - `expires_in` and `refresh_token_expires_in` (or Intuit's `x_refresh_token_expires_in`) as a number, a numeric
///   string or absent; fractions allowed; clamped to `Int32.max` seconds like x/oauth2; anything else (`"inf"`,
///   `"nan"`, text) is absent. An `expires_in` of 0 or below is 0: expired now, refreshed at once
///   (docs/refresh-policy.md); a `refresh_token_expires_in` of 0 or below is absent.
/// - an empty `refresh_token` counts as omitted; an empty `token_type`, `scope` or `error` too.
/// - unknown members and members of the wrong type are ignored.
struct TokenJSON: Equatable, Sendable {
    var accessToken: String?
    var tokenType: String?
    var refreshToken: String?
    var expiresIn: Double?
    var refreshTokenExpiresIn: Double?
    var scope: String?
    var error: String?
    var errorDescription: String?

    static let maxLifetime = Double(Int32.max)

    /// `nil` unless the body is a JSON object.
    init?(json data: Data) {
        guard let members = try? JSONDecoder().decode([String: WireValue].self, from: data) else { return nil }
        self.init(members: members)
    }

    /// `nil` unless the body has at least one `name=value` pair.
    init?(form text: String) {
        let pairs = FormEncoding.decode(text)
        guard text.contains("="), !pairs.isEmpty else { return nil }
        var members: [String: WireValue] = [:]
        for (name, value) in pairs where members[name] == nil {
            members[name] = .string(value)
        }
        self.init(members: members)
    }

    init(members: [String: WireValue]) {
        accessToken = members["access_token"]?.string
        tokenType = Self.nonEmpty(members["token_type"])
        refreshToken = Self.nonEmpty(members["refresh_token"])
        expiresIn = Self.seconds(members["expires_in"]).map { max($0, 0) }
        refreshTokenExpiresIn =
            (Self.seconds(members["refresh_token_expires_in"]) ?? Self.seconds(members["x_refresh_token_expires_in"]))
            .flatMap { $0 > 0 ? $0 : nil }
        scope = Self.nonEmpty(members["scope"])
        error = Self.nonEmpty(members["error"])
        errorDescription = Self.nonEmpty(members["error_description"])
    }

    private static func nonEmpty(_ value: WireValue?) -> String? {
        guard let text = value?.string, !text.isEmpty else { return nil }
        return text
    }

    private static func seconds(_ value: WireValue?) -> Double? {
        let seconds: Double? =
            switch value {
            case .number(let number): number
            case .string(let text): Double(text.trimmingCharacters(in: .whitespaces))
            case .other, nil: nil
            }
        guard let seconds, seconds.isFinite else { return nil }
        return min(seconds, maxLifetime)
    }
}
