import FlyingFox
import Foundation

/// Canned answers for the fake token endpoint.
enum Reply {
    static func json(_ text: String, headers: [String: String] = [:]) -> HTTPResponse {
        json(200, text, headers: headers)
    }

    static func json(_ status: Int, _ text: String, headers: [String: String] = [:]) -> HTTPResponse {
        raw(status, Data(text.utf8), headers: ["Content-Type": "application/json"].merging(headers) { $1 })
    }

    static func form(_ text: String, contentType: String = "application/x-www-form-urlencoded") -> HTTPResponse {
        form(200, text, contentType: contentType)
    }

    static func form(
        _ status: Int, _ text: String, contentType: String = "application/x-www-form-urlencoded"
    ) -> HTTPResponse {
        raw(status, Data(text.utf8), headers: ["Content-Type": contentType])
    }

    static func html(_ status: Int, bytes: Int, headers: [String: String] = [:]) -> HTTPResponse {
        raw(
            status, htmlPage(bytes: bytes),
            headers: ["Content-Type": "text/html; charset=utf-8"].merging(headers) { $1 })
    }

    static func raw(_ status: Int, _ body: Data, headers: [String: String] = [:]) -> HTTPResponse {
        HTTPResponse(statusCode: statusCode(status), headers: httpHeaders(headers), body: body)
    }

    static func streamed(
        _ status: Int, _ body: PacedBytes, declaredLength: Int? = nil, headers: [String: String] = [:]
    ) -> HTTPResponse {
        let sequence =
            if let declaredLength {
                HTTPBodySequence(from: body, count: declaredLength, suggestedBufferSize: body.chunk.count)
            } else {
                HTTPBodySequence(from: body, suggestedBufferSize: body.chunk.count)
            }
        return HTTPResponse(statusCode: statusCode(status), headers: httpHeaders(headers), body: sequence)
    }

    /// An HTML error page of exactly `bytes` bytes (at least 26).
    static func htmlPage(bytes: Int) -> Data {
        let head = "<html><body>", tail = "</body></html>"
        return Data((head + String(repeating: "x", count: bytes - head.count - tail.count) + tail).utf8)
    }

    private static func statusCode(_ status: Int) -> HTTPStatusCode { HTTPStatusCode(status, phrase: "Status") }

    private static func httpHeaders(_ headers: [String: String]) -> HTTPHeaders {
        var result = HTTPHeaders()
        for (name, value) in headers { result.addValue(value, for: HTTPHeader(name)) }
        return result
    }
}
