import Foundation
import RefreshEngine

/// Everything the dashboard asks of the refresh engine, and nothing more, so the loop can run against a fake.
/// `RefreshEngine` conforms below; whether a server can be refreshed is the engine's call (`ServerStatus.canRefresh`).
public protocol DashboardEngine: Sendable {
    /// Every server's status now, in configuration order.
    func snapshot() async -> [ServerStatus]
    /// Status changes a batch at a time: each batch holds the latest status of every server that changed since the
    /// previous one. Each access is a new subscription whose first batches hold every server.
    var statusBatches: AsyncStream<[ServerStatus]> { get }
    /// Tokens about to expire without a refresh token turn the EXPIRES cell to a warning this long before.
    var expiryWarning: TimeInterval { get }

    func refresh(_ name: String) async throws(EngineError) -> RefreshOutcome
    func refreshAll() async -> [String: RefreshOutcome]
    /// A browser sign-in; the server's status carries the URL to open while it waits.
    func login(_ name: String) async throws(EngineError) -> LoginOutcome
    /// Ends a waiting sign-in (Esc); false when none runs.
    func cancelLogin(_ name: String) async -> Bool
    func logout(_ name: String) async throws -> LogoutOutcome
}

extension RefreshEngine: DashboardEngine {
    public nonisolated var expiryWarning: TimeInterval { policy.expiryWarning }
}
