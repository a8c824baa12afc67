import Kafka
import Metrics
import OfferEngine

/// One catalog's run over a replay's records: the worker's own per-record processing
/// (``EventProcessor``, the code `run` executes for every record) with its cart state, and
/// the tally of what it did. A replay with `--baseline-offers` runs two lanes over the same
/// records.
struct ReplayLane {
    private var processor: EventProcessor
    private(set) var store = CartStateStore()
    private(set) var tally: WhatIfTally
    private let topics: TopicNames
    private let cartIdleSeconds: Int
    /// The outputs of the latest record, in the order the worker would produce them.
    private(set) var outputs: [ProducerRecord] = []
    private var sinceChangelog = 0

    init(configuration: WorkerConfiguration, catalog: OfferCatalog, catalogName: String) {
        // Its own metrics, reported nowhere: a replay is not the worker.
        processor = EventProcessor(configuration: configuration, catalog: catalog, metrics: WorkerMetrics(factory: NOOPMetricsHandler.instance))
        tally = WhatIfTally(catalog: catalog, name: catalogName, topics: configuration.topics)
        topics = configuration.topics
        cartIdleSeconds = configuration.cartIdleSeconds
    }

    /// Starts a partition's state from restored carts (see ``ChangelogSnapshot``).
    mutating func restore(partition: Int32, carts: [String: CartStateStore.Entry]) {
        store.restore(partition: partition, carts: carts, changelogEnd: 0)
    }

    /// Processes one record as the worker does: its outputs (or its dead letter) and its
    /// state change, then forgets the partition's idle carts, which the worker does after
    /// each poll batch and a replay after every record (so a replay does not depend on how
    /// records happened to be batched).
    mutating func process(_ record: ConsumerRecord) {
        let cartId = record.topic == topics.offerDeclined ? record.keyString : nil
        let declinedBefore = cartId.flatMap { store.cart($0, partition: record.partition)?.session.declinedOffers } ?? [:]
        outputs.removeAll(keepingCapacity: true)
        processor.process(record, store: &store, into: &outputs)
        var declined: [String] = []
        if let cartId, let after = store.cart(cartId, partition: record.partition)?.session.declinedOffers {
            declined = after.keys.filter { declinedBefore[$0] == nil }.sorted()
        }
        let evicted = store.evictIdleCarts(partition: record.partition, idleSeconds: cartIdleSeconds)
        tally.count(record, outputs: outputs, declined: declined, evicted: evicted)
        // The store lists the carts it changed for the changelog, which a replay does not
        // write: the list is dropped now and then so it does not grow with the input.
        sinceChangelog += 1
        if sinceChangelog >= 10_000 {
            sinceChangelog = 0
            _ = store.takeChangelog(topic: topics.changelog)
        }
    }
}
