import Crypto
import Foundation

/// Proof Key for Code Exchange (RFC 7636) with the S256 method, the only one MCP allows.
///
/// The verifier is 32 bytes from `SystemRandomNumberGenerator` (the kernel's getrandom on Linux), base64url
/// without padding: 43 characters of `[A-Za-z0-9-_]`. It never leaves this process except in the token request.
public struct PKCE: Sendable, Equatable {
    public static let method = "S256"

    /// Secret: goes only into the code exchange.
    public let verifier: String
    /// `BASE64URL(SHA256(ASCII(verifier)))`, sent in the authorization URL.
    public let challenge: String

    /// A fresh verifier and its challenge.
    public init() {
        var generator = SystemRandomNumberGenerator()
        self.init(verifier: Base64URL.encode(randomBytes(count: 32, using: &generator)))
    }

    /// The challenge for a given verifier (43 to 128 characters of `[A-Za-z0-9-._~]`, RFC 7636 section 4.1).
    public init(verifier: String) {
        precondition(Self.isValidVerifier(verifier), "a PKCE verifier is 43 to 128 unreserved characters")
        self.verifier = verifier
        challenge = Self.challenge(for: verifier)
    }

    public static func challenge(for verifier: String) -> String {
        Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8))))
    }

    public static func isValidVerifier(_ verifier: String) -> Bool {
        (43...128).contains(verifier.utf8.count) && verifier.utf8.allSatisfy(Unreserved.contains)
    }
}

extension PKCE: CustomStringConvertible {
    /// Never prints the verifier.
    public var description: String { "PKCE(S256, challenge: \(challenge))" }
}

/// A random, unguessable `state` for one authorization request (RFC 6749 section 10.12): 32 random bytes.
public enum OAuthState {
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode(randomBytes(count: 32, using: &generator))
    }
}

/// Base64url without padding (RFC 4648 section 5), as PKCE and `state` use it.
enum Base64URL {
    static func encode(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

func randomBytes(count: Int, using generator: inout some RandomNumberGenerator) -> Data {
    var bytes = Data(capacity: count)
    while bytes.count < count {
        var word = generator.next()
        withUnsafeBytes(of: &word) { bytes.append(contentsOf: $0.prefix(count - bytes.count)) }
    }
    return bytes
}
