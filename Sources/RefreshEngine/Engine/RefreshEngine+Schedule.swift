import Foundation
import Logging

/// The scheduler: one queue of deadlines, one pass over what is due, clock jumps, and the loop's sleep.
extension RefreshEngine {
    /// The earliest live deadline; stale queue entries on top are dropped on the way.
    func nextDeadline() -> Date? {
        while let entry = queue.next {
            if isLive(entry) { return entry.date }
            _ = queue.popFirst()
        }
        return nil
    }

    /// One pass of the scheduler: notice clock jumps, then act on every deadline that is due. Saves are left in
    /// `unsaved` for the loop to write in one batch.
    func processDue() {
        let reading = ClockReading(clock)
        if let last = lastReading {
            let jump = reading.jump(since: last)
            if abs(jump) > RefreshPolicy.wakeJumpThreshold {
                handleClockJump(seconds: jump)
            }
        }
        lastReading = reading
        let context = context()
        while let entry = queue.next, entry.date <= context.now {
            _ = queue.popFirst()
            guard isLive(entry) else { continue }
            switch entry.kind {
            case .refresh:
                let effects = servers.update(entry.server) { $0.deadlineReached(context) } ?? .none
                carryOutLater(effects, for: entry.server)
            case .probe:
                startProbe(entry.server, context)
            }
        }
    }

    /// Whether a queue entry is still its server's current deadline of its kind.
    func isLive(_ entry: DeadlineQueue.Entry) -> Bool {
        guard let record = servers[entry.server] else { return false }
        switch entry.kind {
        case .refresh: return record.refreshSchedule.isCurrent(entry.generation)
        case .probe: return record.probeSchedule.isCurrent(entry.generation)
        }
    }

    /// A wake from sleep or a changed wall clock: every schedule is computed again from the session facts.
    func handleClockJump(seconds: Double) {
        logger.notice(
            "Clock jump detected; re-evaluating every schedule",
            metadata: ["jump_seconds": "\(Int(seconds.rounded()))"])
        let context = context()
        for name in order {
            let effects = servers.update(name) { $0.clockJumped(context) } ?? .none
            carryOutLater(effects, for: name)
        }
    }

    /// Sleeps until `until` unless an earlier deadline arrives (which cancels the sleep) or the task is cancelled.
    /// The wall clock was set or the machine resumed: the loop wakes now, and its pass notices the jump.
    func wallClockWasSet() {
        sleepTask?.cancel()
    }

    func sleep(seconds: Double, until: Date) async {
        let clock = self.clock
        let task = Task { _ = try? await clock.sleep(seconds: seconds) }
        sleepTask = task
        sleepUntil = until
        await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        sleepTask = nil
        sleepUntil = nil
    }
}
