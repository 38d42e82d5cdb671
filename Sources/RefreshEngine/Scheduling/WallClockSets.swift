import Foundation
import Synchronization

#if canImport(Glibc)
    import CTimerFD
    import Glibc
#endif

/// Tells, as it happens, that the wall clock was set (`date -s`, an NTP step) or the machine resumed from suspend:
/// a timerfd on `CLOCK_REALTIME` armed far ahead with `TFD_TIMER_CANCEL_ON_SET`, whose read the kernel ends with
/// `ECANCELED` at each such change. One thread per process blocks in that read, so nothing wakes while the clock
/// runs on: the engine learns of a wake within moments instead of at its next 30 s look, for no idle cost.
final class WallClockSets: Sendable {
    /// The process's watcher, started by the first engine that runs.
    static let shared = WallClockSets()

    private let subscribers = Mutex<[UUID: AsyncStream<Void>.Continuation]>([:])

    private init() {
        #if os(Linux)
            let thread = Thread { [self] in watch() }
            thread.name = "oauthtop wall clock"
            thread.start()
        #endif
    }

    /// One element per change of the wall clock, for as long as the stream is iterated.
    func changes() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in _ = self?.subscribers.withLock { $0.removeValue(forKey: id) } }
        return stream
    }

    #if os(Linux)
        /// Blocks in `read` until the clock is set, tells every subscriber, arms again. Gives up (silently: the
        /// engine still looks at the clocks every 30 s) when the kernel offers no such timer.
        private func watch() {
            let fd = timerfd_create(CLOCK_REALTIME, Int32(TFD_CLOEXEC))
            guard fd >= 0 else { return }
            while arm(fd) {
                var expirations: UInt64 = 0
                let count = read(fd, &expirations, MemoryLayout<UInt64>.size)
                if count < 0, errno == EINTR { continue }
                guard count < 0, errno == ECANCELED else { continue }  // expired (years ahead): arm again
                for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield() }
            }
            close(fd)
        }

        /// Ten years ahead on the wall clock, cancelled when the clock is set.
        private func arm(_ fd: Int32) -> Bool {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            var spec = itimerspec()
            spec.it_value.tv_sec = now.tv_sec + 10 * 365 * 86_400
            let flags = Int32(TFD_TIMER_ABSTIME) | Int32(TFD_TIMER_CANCEL_ON_SET)
            return timerfd_settime(fd, flags, &spec, nil) == 0
        }
    #endif
}
