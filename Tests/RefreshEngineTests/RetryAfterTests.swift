import Foundation
import Testing

@testable import RefreshEngine

@Suite struct RetryAfterTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)  // Fri, 15 Jan 2027 08:00:00 GMT

    @Test(arguments: [
        ("120", 120.0), (" 0 ", 0), ("Fri, 15 Jan 2027 08:02:00 GMT", 120), ("Friday, 15-Jan-27 08:01:00 GMT", 60),
        ("Fri Jan 15 08:00:30 2027", 30), ("Fri, 15 Jan 2027 07:00:00 GMT", 0),
    ])
    func parses(header: String, seconds: Double) {
        #expect(RetryAfter.seconds(from: header, now: Self.now) == seconds)
    }

    @Test(arguments: ["", "-5", "soon", "1.5", "Fri, 99 Foo 2027"])
    func rejectsGarbage(header: String) {
        #expect(RetryAfter.seconds(from: header, now: Self.now) == nil)
    }
}

extension RetryAfterTests {
    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
