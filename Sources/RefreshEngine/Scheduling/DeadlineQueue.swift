import Foundation

/// One min-heap of (time, server) for every schedule, instead of a timer task per server. Entries are never
/// removed in place: each carries the server's schedule generation, and stale ones are skipped when popped.
struct DeadlineQueue {
    struct Entry: Equatable {
        /// What is due: the server's refresh schedule, or its next connection probe.
        enum Kind {
            case refresh, probe
        }

        var date: Date
        var server: String
        var generation: UInt64
        var kind: Kind = .refresh
    }

    private var heap: [Entry] = []

    var count: Int { heap.count }
    var next: Entry? { heap.first }

    mutating func removeAll() { heap.removeAll(keepingCapacity: true) }

    mutating func insert(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].date < heap[parent].date else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popFirst() -> Entry? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let first = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].date < heap[smallest].date { smallest = left }
            if right < heap.count, heap[right].date < heap[smallest].date { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
