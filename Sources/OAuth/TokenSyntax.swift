/// What a token may look like before oauthtop stores it, prints it or puts it in a header (docs/security.md,
/// "Tokens and numbers from outside"). An access token goes into `Authorization: Bearer` lines, `token`'s output
/// and `headers`' JSON, so it must be an RFC 6750 section 2.1 b64token:
/// `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`. A refresh token is opaque but goes into form
/// bodies: no control characters and no whitespace of any kind.
///
/// The flaws name the kind of character, never the token.
public enum TokenSyntax {
    /// Why `token` is not a b64token, or `nil` when it is one.
    public static func accessTokenFlaw(_ token: String) -> String? {
        if let flaw = commonFlaw(token) { return flaw }
        let scalars = Array(token.unicodeScalars)
        let body = scalars.prefix { $0 != "=" }
        guard !body.isEmpty else { return "nothing before its '=' padding" }
        guard scalars.dropFirst(body.count).allSatisfy({ $0 == "=" }) else {
            return "an '=' that is not trailing padding"
        }
        guard body.allSatisfy(isB64Character) else {
            return "a character outside A-Z a-z 0-9 - . _ ~ + / (RFC 6750 section 2.1)"
        }
        return nil
    }

    /// Why `token` cannot be used as a refresh token, or `nil` when it can.
    public static func refreshTokenFlaw(_ token: String) -> String? {
        commonFlaw(token)
    }

    private static func commonFlaw(_ token: String) -> String? {
        for scalar in token.unicodeScalars {
            switch scalar.value {
            case 0x0A, 0x0D: return "a line break"
            case 0x09: return "a tab"
            case 0x20: return "a space"
            case 0x00: return "a NUL character"
            case 0x00...0x1F, 0x7F...0x9F: return "a control character"
            default:
                if scalar.properties.isWhitespace { return "a whitespace character" }
                if scalar.properties.generalCategory == .format { return "an invisible formatting character" }
            }
        }
        return nil
    }

    private static func isB64Character(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "-", ".", "_", "~", "+", "/": true
        default: false
        }
    }
}
