import Testing

@testable import OAuth

@Suite struct UnreservedTests {
    @Test func formEncodingAndPKCEAgreeOnEveryASCIIByte() {
        var raw: [Character] = []
        for byte in UInt8(0)...UInt8(127) {
            let character = Character(Unicode.Scalar(byte))
            let text = String(character)
            let keptRaw = FormEncoding.component(text) == text
            #expect(PKCE.isValidVerifier(String(repeating: text, count: 43)) == keptRaw, "byte \(byte)")
            if keptRaw { raw.append(character) }
        }
        #expect(String(raw) == "-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~")
    }
}
