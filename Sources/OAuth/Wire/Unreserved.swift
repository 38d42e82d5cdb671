/// The RFC 3986 section 2.3 unreserved characters, `A-Za-z0-9-._~`: the bytes form encoding leaves raw, and the
/// only ones a PKCE verifier may hold (RFC 7636 section 4.1).
enum Unreserved {
    static func contains(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}
