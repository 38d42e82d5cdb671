import Crypto
import Foundation
import TokenStore

/// Seals the store's secrets with AES-256-GCM: `v1:` + base64(nonce ‖ ciphertext ‖ tag), a fresh 96-bit random nonce
/// per value, so the same token sealed twice gives two texts and an altered text does not open.
///
/// About a microsecond per value: a refresh seals two or three (access token, refresh token, client secret).
public struct StoreCipher: SecretSealing, CustomStringConvertible {
    static let prefix = "v1:"

    private let key: SymmetricKey
    /// Where the key lives, for `oauthtop doctor`.
    public let protection: Protection

    init(key: SymmetricKey, protection: Protection) {
        self.key = key
        self.protection = protection
    }

    /// A random key that lives only in this process: for tests and benchmarks, whose stores die with them.
    public static func ephemeral() -> StoreCipher {
        StoreCipher(key: SymmetricKey(size: .bits256), protection: .ephemeral)
    }

    public var keySource: String { protection.keySource }

    public func seal(_ plaintext: String) throws -> String {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: key)
        // `combined` is nil only for a nonce of another size than 12 bytes, which `seal` never makes.
        guard let combined = box.combined else { throw CipherError.sealing }
        return Self.prefix + combined.base64EncodedString()
    }

    public func open(_ sealed: String) throws -> String {
        guard sealed.hasPrefix(Self.prefix), let combined = Data(base64Encoded: String(sealed.dropFirst(3))) else {
            throw CipherError.malformed
        }
        let plaintext: Data
        do {
            plaintext = try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: key)
        } catch {
            throw CipherError.authentication
        }
        guard let text = String(data: plaintext, encoding: .utf8) else { throw CipherError.malformed }
        return text
    }

    public func isSealed(_ text: String) -> Bool { text.hasPrefix(Self.prefix) }

    /// Never prints the key.
    public var description: String { "StoreCipher(\(protection.keySource))" }
}

/// Why a value did not seal or open. Carries no part of the value.
public enum CipherError: Error, Sendable, Equatable, CustomStringConvertible {
    case sealing
    /// Not of the form `v1:` + base64, or not UTF-8 inside.
    case malformed
    /// The tag does not match: the text was altered, or sealed under another key.
    case authentication

    public var description: String {
        switch self {
        case .sealing: "AES-GCM could not seal the value"
        case .malformed: "the sealed value is not of the form v1:<base64>"
        case .authentication: "the sealed value was altered or sealed under another key"
        }
    }
}

extension StoreCipher {
    /// The key as it is kept outside the process (keyring item, key file): base64 of its 32 bytes.
    var exportedKey: String { key.withUnsafeBytes { Data($0).base64EncodedString() } }

    /// A cipher over a key kept as `exportedKey`; `nil` when the text is not 32 bytes in base64.
    init?(exportedKey text: String, protection: Protection) {
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
            bytes.count == 32
        else { return nil }
        self.init(key: SymmetricKey(data: bytes), protection: protection)
    }

    /// A new random key.
    static func generated(protection: Protection) -> StoreCipher {
        StoreCipher(key: SymmetricKey(size: .bits256), protection: protection)
    }
}
