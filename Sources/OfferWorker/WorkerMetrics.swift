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
    /// `cart.updated` records decoded on the decode thread, beside the loop (``DecodeAhead``).
    let decodedAhead: Counter
    let batchDuration: Metrics.Timer
    /// Time to turn one input record into its outputs (decode, evaluate, encode), a histogram.
    let eventProcessing: Metrics.Timer
    let offerEvents: OfferEventCounters
    let partitionsAssigned: Counter
    let partitionsRevoked: Counter
    /// Partitions whose state was read from the changelog, and those kept from before.
    let restoresFromChangelog: Counter
    let restoresKept: Counter
    let restoreDuration: Metrics.Timer
    /// Outputs and changelog records produced and not yet acknowledged.
    let outputsInFlight: Gauge
    let factory: any MetricsFactory

    /// Metrics reported to `factory`: the process's metrics system by default. A replay
    /// passes `NOOPMetricsHandler.instance`, so what it simulates never shows in the
    /// metrics of a worker running in the same process.
    init(factory: any MetricsFactory = MetricsSystem.factory, offerLabelLimit: Int = WorkerConfiguration.defaultOfferLabelLimit) {
        self.factory = factory
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
        decodedAhead = Counter(label: "offer_worker_records_decoded_ahead_total", factory: factory)
        batchDuration = Metrics.Timer(label: "offer_worker_batch_duration_seconds", factory: factory)
        eventProcessing = Metrics.Timer(label: "offer_worker_event_processing_seconds", factory: factory)
        offerEvents = OfferEventCounters(labelLimit: offerLabelLimit, factory: factory)
        partitionsAssigned = Counter(label: "offer_worker_rebalances_total", dimensions: [("event", "assigned")], factory: factory)
        partitionsRevoked = Counter(label: "offer_worker_rebalances_total", dimensions: [("event", "revoked")], factory: factory)
        restoresFromChangelog = Counter(label: "offer_worker_partition_restores_total", dimensions: [("source", "changelog")], factory: factory)
        restoresKept = Counter(label: "offer_worker_partition_restores_total", dimensions: [("source", "kept")], factory: factory)
        restoreDuration = Metrics.Timer(label: "offer_worker_partition_restore_duration_seconds", factory: factory)
        outputsInFlight = Gauge(label: "offer_worker_outputs_in_flight", factory: factory)
    }
}
