import Prometheus

extension PrometheusMetricsFactory {
    /// A factory over `registry` with mcpproxy's refresh-duration buckets (0.1, 0.5, 1, 2, 5, 10, 30 s).
    public static func oauthtop(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["mcpproxy_oauth_refresh_duration_seconds"] = [
            .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30),
        ]
        return factory
    }
}
