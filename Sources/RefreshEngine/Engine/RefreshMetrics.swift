import CoreMetrics

/// mcpproxy's two refresh metrics, recorded on every attempt that reached the token endpoint.
struct RefreshMetrics {
    static let totalLabel = "mcpproxy_oauth_refresh_total"
    static let durationLabel = "mcpproxy_oauth_refresh_duration_seconds"

    private let factory: any MetricsFactory
    private var handles: [String: (counter: Counter, timer: CoreMetrics.Timer)] = [:]

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    mutating func record(server: String, result: RefreshResult, seconds: Double) {
        let key = server + "\u{0}" + result.rawValue
        let handle: (counter: Counter, timer: CoreMetrics.Timer)
        if let cached = handles[key] {
            handle = cached
        } else {
            let dimensions = [("server", server), ("result", result.rawValue)]
            handle = (
                Counter(label: Self.totalLabel, dimensions: dimensions, factory: factory),
                CoreMetrics.Timer(label: Self.durationLabel, dimensions: dimensions, factory: factory)
            )
            handles[key] = handle
        }
        handle.counter.increment()
        handle.timer.recordNanoseconds(Int64(max(0, min(seconds, 1e9)) * 1e9))
    }
}
