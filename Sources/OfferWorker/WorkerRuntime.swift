import Foundation
import Kafka
import Logging
import Metrics
import OfferEngine
import Prometheus
import ServiceLifecycle

/// Start-up helpers shared by the command line and the demo.
public enum WorkerRuntime {
    /// Loads an offer catalog file (JSON or YAML), with every problem and its path in the
    /// error.
    public static func loadCatalog(path: String) throws -> OfferCatalog {
        try CatalogFile.load(path: path)
    }

    /// Sends the process's metrics to a Prometheus registry and serves it on `port`
    /// (`GET /metrics`), with `GET /healthz` and `GET /readyz` (from `readiness`, the object
    /// given to the ``OfferWorker``). Call once, before the worker starts.
    public static func metricsEndpoint(port: Int, logger: Logger, readiness: WorkerReadiness? = nil) async throws -> MetricsEndpoint {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return try await MetricsEndpoint(port: port, registry: registry, readiness: readiness, logger: logger)
    }

    /// Runs services until SIGTERM or SIGINT, then shuts them down gracefully; services still
    /// running `shutdownDeadline` after the signal are cancelled.
    public static func runUntilSignalled(_ services: [any Service], shutdownDeadline: Duration = .seconds(30), logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        configuration.maximumGracefulShutdownDuration = shutdownDeadline
        try await ServiceGroup(configuration: configuration).run()
    }
}
