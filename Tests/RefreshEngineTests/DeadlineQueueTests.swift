import Foundation
import Testing

@testable import RefreshEngine

@Suite struct DeadlineQueueTests {
    @Test func popsInTimeOrder() {
        var queue = DeadlineQueue()
        let base = Date(timeIntervalSince1970: 0)
        let offsets = (0..<500).map { ($0 * 7919) % 1000 }
        for (index, offset) in offsets.enumerated() {
            queue.insert(.init(date: base.addingTimeInterval(Double(offset)), server: "s\(index)", generation: 0))
        }
        var popped: [Double] = []
        while let entry = queue.popFirst() { popped.append(entry.date.timeIntervalSince(base)) }
        #expect(popped == offsets.sorted().map(Double.init))
        #expect(queue.next == nil)
    }
}
