import Foundation
import Logging

/// What the engine must do after a transition of one server's record. Transitions (the `ServerRecord+*.swift`
/// files) decide; the actor only carries this out, in the order of the fields.
struct Effects: Equatable {
    /// A line for the engine's log.
    struct LogLine: Equatable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    var log: [LogLine] = []
    /// Deadlines to put in the queue, stamped with the generation they were made for.
    var enqueue: [DeadlineQueue.Entry] = []
    /// Save the refresh bookkeeping, so `list` and the next start see it.
    var persist = false
    /// Send the server's new status to every subscriber.
    var publish = false
    /// A due refresh may start now: the actor gives it a free slot or puts it in line for one.
    var startRefresh: Trigger?

    static let none = Effects()

    /// This and then `later`.
    func then(_ later: Effects) -> Effects {
        var both = self
        both.log += later.log
        both.enqueue += later.enqueue
        both.persist = persist || later.persist
        both.publish = publish || later.publish
        both.startRefresh = later.startRefresh ?? startRefresh
        return both
    }

    /// The same, and also saved and published.
    var savedAndPublished: Effects {
        var copy = self
        copy.persist = true
        copy.publish = true
        return copy
    }

    /// The same, and also published.
    var published: Effects {
        var copy = self
        copy.publish = true
        return copy
    }

    static func log(_ level: Logger.Level, _ message: String, _ metadata: [String: String]) -> Effects {
        Effects(log: [LogLine(level: level, message: message, metadata: metadata)])
    }
}
