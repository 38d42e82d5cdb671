import Synchronization
import Testing

@testable import Dashboard

@Suite struct StatusInboxTests {
    @Test func theInboxKeepsOneStatusPerServerAndRingsOncePerDrain() {
        let rings = Mutex(0)
        let inbox = StatusInbox { rings.withLock { $0 += 1 } }
        for round in 0..<3 {
            for i in 0..<1000 { inbox.put(Fixtures.status("s\(i)", retries: round)) }
        }
        #expect(rings.withLock { $0 } == 1)
        let batch = inbox.takeAll()
        #expect(batch.count == 1000)
        #expect(batch.allSatisfy { $0.retryCount == 2 }, "the latest status wins")
        #expect(inbox.takeAll().isEmpty)
        inbox.put(Fixtures.status("s1"))
        #expect(rings.withLock { $0 } == 2)
    }
}
