import Foundation

/// What came back from the token endpoint, before interpretation.
struct HTTPAnswer: Equatable, Sendable {
    var status: Int
    var contentType: String?
    /// Verbatim.
    var retryAfter: String?
    var location: String?
    /// Empty when `bodyOverLimit`: the rest was never read.
    var body = Data()
    var bodyOverLimit = false

    static let bodyLimit = 1 << 20
}
