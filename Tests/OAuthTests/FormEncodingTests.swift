import Testing

@testable import OAuth

@Suite struct FormEncodingTests {
    @Test func onlyUnreservedCharactersStayRaw() {
        #expect(FormEncoding.component("AZaz09-._~") == "AZaz09-._~")
        #expect(
            FormEncoding.component("+ /=&?#%:@!$'()*,;[]")
                == "%2B%20%2F%3D%26%3F%23%25%3A%40%21%24%27%28%29%2A%2C%3B%5B%5D")
        #expect(FormEncoding.component("ü€😀") == "%C3%BC%E2%82%AC%F0%9F%98%80")
    }

    @Test func encodesPairsInOrder() {
        #expect(FormEncoding.encode([("b", "2"), ("a", "1 2"), ("a", "")]) == "b=2&a=1%202&a=")
    }

    @Test func decodingTreatsPlusAsSpaceAndKeepsBadEscapes() {
        let pairs = FormEncoding.decode("a=1+2&b=%2B%zz%4&c&=x&&d=%C3%BC")
        #expect(pairs.map(\.0) == ["a", "b", "c", "", "d"])
        #expect(pairs.map(\.1) == ["1 2", "+%zz%4", "", "x", "ü"])
    }

    @Test func roundTrips() {
        let pairs = [("refresh_token", "a+b/c=d&e f~ü%20"), ("client_id", "x:y")]
        let decoded = FormEncoding.decode(FormEncoding.encode(pairs))
        #expect(decoded.map(\.0) == pairs.map(\.0))
        #expect(decoded.map(\.1) == pairs.map(\.1))
    }
}
