import Metrics

/// The worker's metrics, created once (never on the per-event path).
///
/// Reported through swift-metrics: whichever backend the process bootstraps receives them.
struct WorkerMetrics: Sendable {
    let cartEvents = Counter(label: "offer_worker_input_events_total", dimensions: [("topic", "cart.updated")])
    let acceptanceEvents = Counter(label: "offer_worker_input_events_total", dimensions: [("topic", "offer.accepted")])
    let declineEvents = Counter(label: "offer_worker_input_events_total", dimensions: [("topic", "offer.declined")])
    let ignoredDeclines = Counter(label: "offer_worker_ignored_declines_total")
    let presented = Counter(label: "offer_worker_offers_presented_total")
    let mutations = Counter(label: "offer_worker_cart_mutations_total")
    let rejections = Counter(label: "offer_worker_offers_rejected_total")
    let duplicateAcceptances = Counter(label: "offer_worker_duplicate_acceptances_total")
    let deadLetters = Counter(label: "offer_worker_dead_letters_total")
    let deliveryRetries = Counter(label: "offer_worker_delivery_retries_total")
    /// Records Kafka refused for themselves (too large, invalid), set aside so the worker goes on.
    let poisonRecords = Counter(label: "offer_worker_refused_records_total")
    let cartSessions = Gauge(label: "offer_worker_cart_sessions")
    let evictedCarts = Counter(label: "offer_worker_idle_carts_evicted_total")
    let batchDuration = Metrics.Timer(label: "offer_worker_batch_duration_seconds")
}
