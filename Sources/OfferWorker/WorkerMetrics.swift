import Metrics

/// The worker's metrics, created once (never on the per-event path).
///
/// Reported through swift-metrics: whichever backend the process bootstraps receives them.
struct WorkerMetrics: Sendable {
    let cartEvents: Counter
    let acceptanceEvents: Counter
    let declineEvents: Counter
    let ignoredDeclines: Counter
    let presented: Counter
    let mutations: Counter
    let rejections: Counter
    let duplicateAcceptances: Counter
    let deadLetters: Counter
    let deliveryRetries: Counter
    /// Records Kafka refused for themselves (too large, invalid), set aside so the worker goes on.
    let poisonRecords: Counter
    let cartSessions: Gauge
    let evictedCarts: Counter
    let batchDuration: Metrics.Timer

    /// Metrics reported to `factory`: the process's metrics system by default. A replay
    /// passes `NOOPMetricsHandler.instance`, so what it simulates never shows in the
    /// metrics of a worker running in the same process.
    init(factory: any MetricsFactory = MetricsSystem.factory) {
        cartEvents = Counter(label: "offer_worker_input_events_total", dimensions: [("topic", "cart.updated")], factory: factory)
        acceptanceEvents = Counter(label: "offer_worker_input_events_total", dimensions: [("topic", "offer.accepted")], factory: factory)
        declineEvents = Counter(label: "offer_worker_input_events_total", dimensions: [("topic", "offer.declined")], factory: factory)
        ignoredDeclines = Counter(label: "offer_worker_ignored_declines_total", factory: factory)
        presented = Counter(label: "offer_worker_offers_presented_total", factory: factory)
        mutations = Counter(label: "offer_worker_cart_mutations_total", factory: factory)
        rejections = Counter(label: "offer_worker_offers_rejected_total", factory: factory)
        duplicateAcceptances = Counter(label: "offer_worker_duplicate_acceptances_total", factory: factory)
        deadLetters = Counter(label: "offer_worker_dead_letters_total", factory: factory)
        deliveryRetries = Counter(label: "offer_worker_delivery_retries_total", factory: factory)
        poisonRecords = Counter(label: "offer_worker_refused_records_total", factory: factory)
        cartSessions = Gauge(label: "offer_worker_cart_sessions", factory: factory)
        evictedCarts = Counter(label: "offer_worker_idle_carts_evicted_total", factory: factory)
        batchDuration = Metrics.Timer(label: "offer_worker_batch_duration_seconds", factory: factory)
    }
}
