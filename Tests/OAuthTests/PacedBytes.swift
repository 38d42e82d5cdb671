import FlyingSocks
import Foundation
import Synchronization

/// A response body that arrives as `count` copies of `chunk` with `pause` before each: a trickling server, or an
/// endless one with `count: .max`.
struct PacedBytes: AsyncBufferedSequence, Sendable {
    typealias Element = UInt8

    var chunk: [UInt8]
    var count: Int
    var pause: Duration = .zero
    /// Counts the chunks handed to the server so far.
    var produced: Counter? = nil

    final class Counter: Sendable {
        private let value = Mutex(0)
        var count: Int { value.withLock { $0 } }
        func increment() { value.withLock { $0 += 1 } }
    }

    func makeAsyncIterator() -> Iterator { Iterator(body: self, remaining: count) }

    struct Iterator: AsyncBufferedIteratorProtocol {
        let body: PacedBytes
        var remaining: Int
        var pending: ArraySlice<UInt8> = []

        mutating func next() async throws -> UInt8? {
            if pending.isEmpty {
                guard let buffer = try await nextBuffer(suggested: body.chunk.count) else { return nil }
                pending = buffer[...]
            }
            return pending.popFirst()
        }

        mutating func nextBuffer(suggested count: Int) async throws -> [UInt8]? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            if body.pause > .zero { try await Task.sleep(for: body.pause) }
            body.produced?.increment()
            return body.chunk
        }
    }
}
