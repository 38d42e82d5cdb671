import Testing

@testable import LoopbackHTTP

/// The head reader under the loopback servers, one rule a case (docs/security.md, "Loopback servers").
@Suite struct RequestHeadTests {
    static func head(_ text: String) throws(RequestHead.Refusal) -> RequestHead {
        let bytes = Array(text.utf8)
        let end = RequestHead.end(in: bytes) ?? bytes.count
        return try RequestHead.parse(bytes[..<end])
    }

    @Test(arguments: ["\r\n", "\n"])
    func readsAHeadWithEitherLineEnd(end: String) throws {
        let head = try Self.head("GET /metrics?x=1 HTTP/1.1\(end)Host:  127.0.0.1:9 \(end)Accept: */*\(end)\(end)")
        #expect(head.method == "GET" && head.target == "/metrics?x=1" && head.version == "HTTP/1.1")
        #expect(head.headers.map(\.name) == ["host", "accept"])
        #expect(head.headers.first?.value == "127.0.0.1:9")
        #expect(head.request.path == "/metrics" && head.request.target.query() == "x=1")
        try head.check(port: 9)
    }

    @Test(arguments: [
        "GET /x HTTP/2.0\r\n\r\n", "GET x HTTP/1.1\r\n\r\n", "GET  /x HTTP/1.1\r\n\r\n", "G3T /x HTTP/1.1\r\n\r\n",
        "GET /x HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", "GET /x HTTP/1.1\r\nno colon\r\n\r\n",
        "GET /x HTTP/1.1\r\nBad Name: 1\r\n\r\n", "GET /x HTTP/1.1\r\nX: \u{1B}[2J\r\n\r\n",
        "GET /x HTTP/1.1\r\nX: é\r\n\r\n",
        "GET /x\0 HTTP/1.1\r\n\r\n", "\r\n\r\n",
    ])
    func malformedHeadsAreRefused(text: String) {
        #expect(throws: RequestHead.Refusal.malformed, "\(text.debugDescription)") { try Self.head(text) }
    }

    @Test(
        arguments: [
            ("Host: 127.0.0.1:9", nil), ("Host: LocalHost:9", nil), ("Content-Length: 0\r\nHost: localhost:9", nil),
            ("Host: 127.0.0.1:10", .host), ("Host: 127.0.0.1", .host), ("Host: 127.0.0.2:9", .host), ("X: 1", .host),
            ("Host: 127.0.0.1:9\r\nHost: 127.0.0.1:9", .twoHosts), ("Host: 127.0.0.1:9\r\nContent-Length: 1", .body),
            ("Host: 127.0.0.1:9\r\nTransfer-Encoding: chunked", .body),
        ] as [(String, RequestHead.Refusal?)])
    func hostAndBodyRules(headers: String, refusal: RequestHead.Refusal?) throws {
        let head = try Self.head("GET /metrics HTTP/1.1\r\n\(headers)\r\n\r\n")
        if let refusal {
            #expect(throws: refusal, "\(headers)") { try head.check(port: 9) }
        } else {
            #expect(throws: Never.self, "\(headers)") { try head.check(port: 9) }
        }
    }

    @Test func theEndIsFoundWhenTheHeadArrivesByteByByte() {
        let bytes = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\nrest".utf8)
        var found: Int?
        var scanned = 0
        for count in 1...bytes.count where found == nil {
            found = RequestHead.end(in: Array(bytes[..<count]), from: scanned)
            scanned = max(count - 3, 0)
        }
        #expect(found == bytes.count - 4)
    }
}
