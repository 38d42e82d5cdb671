import Clocks
import Foundation
import RefreshEngine
import Synchronization

/// An `EngineClock` that moves only when a test says so. Sleeps run on swift-clocks' `TestClock`; `suspend(for:)`
/// plays a laptop sleep (wall and boot clocks move, the monotonic clock does not), `setWallClock(by:)` an NTP step.
public final class ManualClock: EngineClock {
    public let sleeper = TestClock<Duration>()
    private let start: Date
    private let jumps = Mutex<(wall: Double, boot: Double)>((0, 0))
    private let requested = Mutex<[Double]>([])
    private let sets = AsyncStream.makeStream(of: Void.self)

    public init(start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        self.start = start
    }

    private var elapsed: Double {
        let offset = TestClock<Duration>.Instant().duration(to: sleeper.now).components
        return Double(offset.seconds) + Double(offset.attoseconds) / 1e18
    }

    public var now: Date { start.addingTimeInterval(elapsed + jumps.withLock { $0.wall }) }
    public var monotonic: Double { elapsed }
    public var boottime: Double { elapsed + jumps.withLock { $0.boot } }

    /// Every sleep the engine asked for, in seconds.
    public var sleepRequests: [Double] { requested.withLock { $0 } }

    public func sleep(seconds: Double) async throws {
        requested.withLock { $0.append(seconds) }
        try await sleeper.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up))))
    }

    /// Moves every clock forward and wakes the sleepers that are due.
    public func advance(by seconds: Double) async {
        await sleeper.advance(by: .milliseconds(Int64((seconds * 1000).rounded())))
    }

    /// The machine slept: wall and boot time moved on, the monotonic clock and pending sleeps did not.
    public func suspend(for seconds: Double) {
        jumps.withLock {
            $0.wall += seconds
            $0.boot += seconds
        }
    }

    /// Somebody set the wall clock; the kernel tells (`wallClockSets`). Pending sleeps do not end by themselves.
    public func setWallClock(by seconds: Double) {
        jumps.withLock { $0.wall += seconds }
        sets.continuation.yield()
    }

    public func wallClockSets() -> AsyncStream<Void> { sets.stream }
}
