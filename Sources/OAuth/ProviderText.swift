import Foundation

/// The one scrub for text that came from a provider or an MCP server: error descriptions, `WWW-Authenticate`
/// challenges, registration and revocation refusals. Whatever builds an error or a status from such text passes it
/// through `scrub` first, with every secret the process knows for that server, so that no later sink (the log, the
/// store's last-error columns, the dashboard, `list --json`, stderr) can show a token a provider echoed.
///
/// Two passes: every known secret (and its form- and JSON-escaped spellings) is replaced wherever it appears; then
/// the shapes in which secrets travel are masked even when the value is not known (another token, an ID token, a
/// truncated echo): `key=value`, `"key":"value"`, `key: value` for the OAuth parameter names, `Bearer`/`Basic`
/// credentials and prose such as `refresh token X is revoked`. Each secret becomes `[redacted]`.
public enum ProviderText {
    public static let mask = "[redacted]"

    /// Known secrets shorter than this are not searched for: replacing two or three characters everywhere would
    /// mangle the text without protecting anything (real tokens are far longer).
    static let minimumSecretLength = 4

    /// `text` without any of `knownSecrets` and with the secret shapes masked.
    public static func scrub(_ text: String, knownSecrets: [String?] = []) -> String {
        var result = text
        for secret in spellings(of: knownSecrets) where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: mask)
        }
        for (pattern, template) in patterns {
            result = pattern.stringByReplacingMatches(
                in: result, range: NSRange(result.startIndex..., in: result), withTemplate: template)
        }
        return result
    }

    /// Scrubbed, then on one line without control characters and cut to `limit` characters (with "..."). The scrub
    /// comes first, so that a cut never leaves the beginning of a secret behind.
    public static func line(_ text: String, limit: Int, knownSecrets: [String?] = []) -> String {
        TokenAnswer.clean(scrub(text, knownSecrets: knownSecrets), limit: limit)
    }

    /// Each secret as sent (form-encoded in a body) and as a JSON string would carry it, longest first so that a
    /// secret containing another is removed whole.
    private static func spellings(of secrets: [String?]) -> [String] {
        var all = Set<String>()
        for case let secret? in secrets where secret.count >= minimumSecretLength {
            all.insert(secret)
            all.insert(FormEncoding.component(secret))
            all.insert(secret.replacingOccurrences(of: "/", with: "\\/"))
        }
        return all.filter { $0.count >= minimumSecretLength }.sorted { $0.count > $1.count }
    }

    // MARK: Shapes

    /// OAuth parameter names whose values are secrets.
    static let secretNames = [
        "access_token", "refresh_token", "id_token", "code_verifier", "client_secret", "client_assertion",
        "device_code", "assertion", "password", "code", "state", "token",
    ]
    /// The names that cannot be ordinary words, so that `name: value` (unquoted, with a colon) is masked too.
    static let compoundNames = secretNames.filter { $0.contains("_") }

    /// A credential's characters (RFC 6750's b64token, plus `%` for an encoded one).
    private static let credential = #"[A-Za-z0-9\-._~+/%]"#
    /// What looks like a credential rather than a word: 6 or more credential characters with a digit or a symbol
    /// among them, or 16 or more letters. `Basic` credentials may or may not end in `=` padding.
    private static let credentialValue =
        "(?:(?=\(credential)*[0-9\\-._~+/%])\(credential){6,}|[A-Za-z]{16,})=*"
    /// A value after `=` or `:` runs to the next separator; `[redacted]` is left alone.
    private static let parameterValue = #"(?!\[redacted\])[^&\s"',;}\]\)]+"#

    private static let patterns: [(NSRegularExpression, String)] = {
        let names = secretNames.joined(separator: "|")
        let compound = compoundNames.joined(separator: "|")
        let sources: [(String, String)] = [
            // name=value (forms, query strings, log-style text), also name = value
            ("(?i)(?<![A-Za-z0-9_])(\(names))(\\s*=\\s*)\(parameterValue)", "$1$2\(mask)"),
            // "name":"value" and 'name': 'value' (JSON, Python reprs)
            ("(?i)([\"'])(\(names))\\1(\\s*:\\s*[\"']?)\(parameterValue)", "$1$2$1$3\(mask)"),
            // refresh_token: value (YAML-ish prose)
            ("(?i)(?<![A-Za-z0-9_])(\(compound))(:\\s*)\(parameterValue)", "$1$2\(mask)"),
            // Bearer X, Basic X (with or without padding)
            ("(?i)\\b(bearer|basic)(\\s+)\(credentialValue)", "$1$2\(mask)"),
            // refresh token X is revoked, access token 'X', device code X, client secret X, authorization code X
            (
                "(?i)\\b((?:refresh|access|id|bearer)[ _-]?token|token|(?:device|authorization|auth)[ _-]?code"
                    + "|code[ _-]?verifier|client[ _-]?(?:secret|assertion))(\\s+[\"'`]?)\(credentialValue)",
                "$1$2\(mask)"
            ),
        ]
        return sources.map { source, template in
            // The sources are constants of this file; a typo is a programming error that every test would hit.
            (try! NSRegularExpression(pattern: source), template)
        }
    }()
}
