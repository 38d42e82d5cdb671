import FlyingFox
import Foundation

/// An HTTP answer, before FlyingFox turns it into bytes.
struct Reply: Sendable, Equatable {
    var status: Int
    var headers: [String: String]
    var body: Data

    static func json(_ status: Int, _ object: [String: Any], headers: [String: String] = [:]) -> Reply {
        let body =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return Reply(
            status: status, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a }, body: body)
    }

    /// RFC 6749 section 5.2.
    static func oauthError(_ status: Int, _ code: String, _ description: String, headers: [String: String] = [:])
        -> Reply
    {
        json(
            status, ["error": code, "error_description": description],
            headers: headers.merging(["Cache-Control": "no-store"]) { a, _ in a })
    }

    static func redirect(_ location: String) -> Reply {
        Reply(status: 302, headers: ["Location": location, "Cache-Control": "no-store"], body: Data())
    }
}

extension Reply {
    var http: HTTPResponse {
        var headers = HTTPHeaders()
        for (name, value) in self.headers { headers[HTTPHeader(name)] = value }
        return HTTPResponse(
            statusCode: HTTPStatusCode(status, phrase: Self.phrase(status)), headers: headers, body: body)
    }

    private static func phrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 302: "Found"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 429: "Too Many Requests"
        case 503: "Service Unavailable"
        default: "Status \(status)"
        }
    }
}
