import Foundation

/// One pending deadline of a server: its next refresh, or its next connection probe.
///
/// The deadline queue is never searched: it holds entries stamped with the generation they were made for, and
/// `set` (the only way to change or cancel a deadline) bumps the generation, so every older entry is skipped when
/// it comes up.
struct Schedule: Equatable {
    /// When the queue will next look at this server; `nil` when nothing is pending.
    private(set) var due: Date?
    private(set) var generation: UInt64 = 0

    /// Sets the deadline (`nil` cancels it) and invalidates every queue entry made for an earlier one; returns
    /// the new generation, which the queue entry for `date` must carry.
    mutating func set(_ date: Date?) -> UInt64 {
        due = date
        generation &+= 1
        return generation
    }

    /// Whether a queue entry stamped with `generation` is still this schedule's deadline.
    func isCurrent(_ generation: UInt64) -> Bool {
        due != nil && generation == self.generation
    }
}
