import Foundation

/// Last line of defence for the log: values under secret-looking keys and bearer credentials never reach disk.
/// (The engine never logs a token in the first place; this catches mistakes.)
public enum Redaction {
    static let secretKeys: Set<String> = [
        "access_token", "refresh_token", "id_token", "token", "code", "code_verifier", "client_secret",
        "authorization", "password", "assertion",
    ]
    public static let mask = "[redacted]"

    public static func isSecretKey(_ key: String) -> Bool {
        secretKeys.contains(key.lowercased())
    }

    /// Masks `Bearer <credential>` and `<secret key>=<value>` inside free text.
    public static func scrub(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "=")) || mentionsScheme(text) else { return text }
        var result = text
        result = result.replacingOccurrences(
            of: #"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*"#, with: "$1 \(mask)", options: .regularExpression)
        let keys = secretKeys.joined(separator: "|")
        result = result.replacingOccurrences(
            of: "(?i)\\b(\(keys))=[^&\\s\"']+", with: "$1=\(mask)", options: .regularExpression)
        return result
    }

    /// Whether `text` holds "bearer" or "basic" in any case: the cheap test before the regular expressions, on
    /// the UTF-8 bytes (Foundation's locale-aware and substring searches cost more than the rest of a log line).
    private static func mentionsScheme(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func at(_ index: Int, _ word: StaticString) -> Bool {
            guard index + word.utf8CodeUnitCount <= bytes.count else { return false }
            for offset in 0..<word.utf8CodeUnitCount where bytes[index + offset] | 0x20 != word.utf8Start[offset] {
                return false
            }
            return true
        }
        for index in bytes.indices where bytes[index] | 0x20 == UInt8(ascii: "b") {
            if at(index, "bearer") || at(index, "basic") { return true }
        }
        return false
    }
}
