import Foundation
import Testing

@testable import AtRest

@Suite struct StoreCipherTests {
    @Test func sealedValuesOpenToThePlaintextAndNeverContainIt() throws {
        let cipher = StoreCipher.ephemeral()
        for plaintext in ["at-secret-1", "", "ünïcødé ✓", String(repeating: "x", count: 10_000)] {
            let sealed = try cipher.seal(plaintext)
            #expect(sealed.hasPrefix("v1:"))
            #expect(cipher.isSealed(sealed))
            #expect(plaintext.isEmpty || !sealed.contains(plaintext))
            #expect(try cipher.open(sealed) == plaintext)
        }
        #expect(!cipher.isSealed("at-secret-1"))
    }

    @Test func theSameValueSealsDifferentlyEachTime() throws {
        let cipher = StoreCipher.ephemeral()
        #expect(try cipher.seal("rt-1") != cipher.seal("rt-1"))
    }

    @Test func anAlteredValueDoesNotOpen() throws {
        let cipher = StoreCipher.ephemeral()
        let sealed = try cipher.seal("at-secret-1")
        var bytes = Data(base64Encoded: String(sealed.dropFirst(3)))!
        for index in [0, 12, bytes.count - 1] {  // nonce, ciphertext, tag
            var altered = bytes
            altered[index] ^= 0x01
            #expect(throws: CipherError.authentication) { try cipher.open("v1:" + altered.base64EncodedString()) }
        }
        bytes.removeLast()
        #expect(throws: CipherError.authentication) { try cipher.open("v1:" + bytes.base64EncodedString()) }
        #expect(throws: CipherError.malformed) { try cipher.open("v1:not base64!") }
        #expect(throws: CipherError.malformed) { try cipher.open("at-secret-1") }
    }

    @Test func anotherKeyDoesNotOpen() throws {
        let sealed = try StoreCipher.ephemeral().seal("at-secret-1")
        #expect(throws: CipherError.authentication) { try StoreCipher.ephemeral().open(sealed) }
    }

    @Test func theExportedKeyMakesTheSameCipher() throws {
        let cipher = StoreCipher.ephemeral()
        let again = try #require(StoreCipher(exportedKey: cipher.exportedKey + "\n", protection: .ephemeral))
        #expect(try again.open(cipher.seal("rt-1")) == "rt-1")
        #expect(StoreCipher(exportedKey: "c2hvcnQ=", protection: .ephemeral) == nil)
    }

    @Test func descriptionsNeverShowTheKey() {
        let cipher = StoreCipher.ephemeral()
        #expect(!"\(cipher)".contains(cipher.exportedKey))
        #expect(
            Protection.keyring(stateFolder: "/s").description
                == "tokens encrypted; key in the desktop keyring (Secret Service)")
        #expect(
            Protection.keyFile(path: "/s/store.key").description.hasPrefix(
                "tokens encrypted; key in /s/store.key (0600): protects against copies of the database"))
    }
}
