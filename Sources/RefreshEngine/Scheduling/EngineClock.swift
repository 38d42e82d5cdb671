import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Time as the engine needs it: wall time for expiry, and two kernel clocks whose drift apart reveals a sleep.
public protocol EngineClock: Sendable {
    /// Wall-clock time; expiry and schedules are measured in it.
    var now: Date { get }
    /// Seconds on a clock that stops while the machine sleeps (`CLOCK_MONOTONIC`).
    var monotonic: Double { get }
    /// Seconds on a clock that counts sleep too (`CLOCK_BOOTTIME`).
    var boottime: Double { get }
    /// Suspends for about `seconds`; throws `CancellationError` when the task is cancelled.
    func sleep(seconds: Double) async throws
    /// One element each time the wall clock is set or the machine resumes, as it happens; a clock that cannot
    /// tell ends the stream at once (the engine's 30 s look at the clocks still catches the change).
    func wallClockSets() -> AsyncStream<Void>
}

extension EngineClock {
    public func wallClockSets() -> AsyncStream<Void> { AsyncStream { $0.finish() } }
}

/// The real clocks of the machine.
public struct SystemClock: EngineClock {
    public init() {}

    public var now: Date { Date() }
    public var monotonic: Double { Self.read(CLOCK_MONOTONIC) }
    public var boottime: Double {
        #if os(Linux)
            Self.read(CLOCK_BOOTTIME)
        #else
            Self.read(CLOCK_MONOTONIC)
        #endif
    }

    public func sleep(seconds: Double) async throws {
        try await Task.sleep(for: .milliseconds(max(0, (seconds * 1000).rounded(.up))))
    }

    public func wallClockSets() -> AsyncStream<Void> { WallClockSets.shared.changes() }

    private static func read(_ id: clockid_t) -> Double {
        var spec = timespec()
        clock_gettime(id, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

/// One reading of all three clocks; two readings tell whether the machine slept or the wall clock was set.
struct ClockReading {
    var wall: Double
    var monotonic: Double
    var boottime: Double

    init(_ clock: any EngineClock) {
        wall = clock.now.timeIntervalSince1970
        monotonic = clock.monotonic
        boottime = clock.boottime
    }

    /// Seconds the wall clock or the boot clock moved beyond the monotonic clock since `earlier`.
    func jump(since earlier: ClockReading) -> Double {
        let elapsed = monotonic - earlier.monotonic
        let wallJump = (wall - earlier.wall) - elapsed
        let bootJump = (boottime - earlier.boottime) - elapsed
        return abs(wallJump) >= abs(bootJump) ? wallJump : bootJump
    }
}
