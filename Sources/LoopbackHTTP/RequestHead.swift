import FlyingFox

/// The request line and headers of one HTTP/1.x request, read by `LoopbackHTTPServer` within `RequestLimits`
/// before anything of ours sees it. Bodies are refused: the loopback servers answer `GET`s only.
struct RequestHead: Sendable, Equatable {
    var method: String
    var target: String
    var version: String
    /// Names lowercased, in order.
    var headers: [(name: String, value: String)]

    static func == (lhs: RequestHead, rhs: RequestHead) -> Bool {
        lhs.method == rhs.method && lhs.target == rhs.target && lhs.version == rhs.version
            && lhs.headers.elementsEqual(rhs.headers) { $0.name == $1.name && $0.value == $1.value }
    }

    /// Why a head is refused, and the status that says so.
    enum Refusal: Error, Equatable {
        /// Over `RequestLimits.headBytes`: 431.
        case tooLarge
        /// Not HTTP/1.x, a line without a colon, folded or control characters: 400.
        case malformed
        /// A body announced (`Content-Length` above 0, any `Transfer-Encoding`): 413.
        case body
        /// Not `127.0.0.1:PORT` or `localhost:PORT` (DNS rebinding): 421.
        case host
        /// More than one `Host`: 400.
        case twoHosts

        var status: (code: Int, phrase: String) {
            switch self {
            case .tooLarge: (431, "Request Header Fields Too Large")
            case .malformed, .twoHosts: (400, "Bad Request")
            case .body: (413, "Content Too Large")
            case .host: (421, "Misdirected Request")
            }
        }
    }

    /// Where the head ends in `bytes` (the index after its empty line), if it has arrived; `\r\n\r\n` or `\n\n`.
    /// Looks from `start` on, so a head arriving byte by byte is scanned once.
    static func end(in bytes: [UInt8], from start: Int = 0) -> Int? {
        var index = start
        while index < bytes.count {
            if bytes[index] == 0x0A {
                if index + 1 < bytes.count, bytes[index + 1] == 0x0A { return index + 2 }
                if index + 2 < bytes.count, bytes[index + 1] == 0x0D, bytes[index + 2] == 0x0A { return index + 3 }
            }
            index += 1
        }
        return nil
    }

    /// Parses a complete head (the bytes before `end(in:)`), refusing what the servers never need.
    static func parse(_ bytes: some Collection<UInt8>) throws(Refusal) -> RequestHead {
        // Visible ASCII, space, tab and line ends only: no NUL, no escape, nothing a terminal would act on.
        guard bytes.allSatisfy({ $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || (0x20...0x7E).contains($0) }) else {
            throw .malformed
        }
        // Split on the bytes: as Characters, "\r\n" is one grapheme and never equals "\n".
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            Substring(decoding: line.last == 0x0D ? line.dropLast() : line[...], as: UTF8.self)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let first = lines.first else { throw .malformed }
        let parts = first.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(\.isLetter), parts[1].hasPrefix("/"),
            parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0"
        else { throw .malformed }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), let start = line.first, start != " ", start != "\t" else {
                throw .malformed
            }
            let name = line[..<colon]
            guard !name.isEmpty, !name.contains(where: { $0 == " " || $0 == "\t" }) else { throw .malformed }
            let value = line[line.index(after: colon)...].trimmingWhitespace()
            headers.append((name.lowercased(), value))
        }
        return RequestHead(
            method: String(parts[0]), target: String(parts[1]), version: String(parts[2]), headers: headers)
    }

    /// Refuses a body and any `Host` other than `127.0.0.1:port` or `localhost:port`.
    func check(port: UInt16) throws(Refusal) {
        if headers.contains(where: { $0.name == "transfer-encoding" }) { throw .body }
        if headers.contains(where: { $0.name == "content-length" && $0.value != "0" }) { throw .body }
        let hosts = headers.filter { $0.name == "host" }
        guard hosts.count <= 1 else { throw .twoHosts }
        guard let host = hosts.first?.value.lowercased(), host == "127.0.0.1:\(port)" || host == "localhost:\(port)"
        else { throw .host }
    }

    var request: HTTPRequest {
        let split = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var fields = HTTPHeaders()
        for header in headers { fields.addValue(header.value, for: HTTPHeader(header.name)) }
        return HTTPRequest(
            method: HTTPMethod(method), version: HTTPVersion(version),
            target: HTTPRequest.Target(path: String(split[0]), query: split.count > 1 ? String(split[1]) : ""),
            headers: fields, body: HTTPBodySequence())
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
