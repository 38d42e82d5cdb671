import Foundation

/// A value guarded by an `NSLock` (the OAuth target imports only Foundation, so no `Synchronization.Mutex`).
final class Locked<Value: Sendable>: @unchecked Sendable {
    // @unchecked is safe: `value` is private and only touched inside `lock`, and `Value` is itself Sendable, so
    // nothing non-Sendable can escape the critical section.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
