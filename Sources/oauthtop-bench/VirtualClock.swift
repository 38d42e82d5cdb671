import Foundation
import RefreshEngine
import Synchronization

/// A clock whose sleeps return at once and move time forward by what was asked: a simulated hour takes
/// milliseconds, and every sleep is counted.
final class VirtualClock: EngineClock {
    private let elapsed = Mutex<Double>(0)
    private let sleeps = Mutex<(count: Int, longest: Double)>((0, 0))
    private let start: Date

    init(start: Date) { self.start = start }

    var now: Date { start.addingTimeInterval(elapsed.withLock { $0 }) }
    var monotonic: Double { elapsed.withLock { $0 } }
    var boottime: Double { monotonic }
    /// How many sleeps the engine took, and the longest.
    var sleepStats: (count: Int, longest: Double) { sleeps.withLock { $0 } }

    func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        elapsed.withLock { $0 += seconds }
        sleeps.withLock { $0 = ($0.count + 1, max($0.longest, seconds)) }
        await Task.yield()
    }
}
