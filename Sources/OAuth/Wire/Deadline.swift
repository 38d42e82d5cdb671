/// Thrown by `withDeadline` when the time is up.
struct DeadlineExceeded: Error {}

/// Runs `operation` with a limit on its total time, which `URLRequest.timeoutInterval` (an idle timeout on Linux)
/// does not give. The operation is cancelled when the time is up, so it must react to cancellation promptly.
func withDeadline<T: Sendable>(
    seconds: Double, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw DeadlineExceeded() }
        return first
    }
}
