import Kafka
import OfferEngine

/// The worker's per-record processing without Kafka, exactly as `run` does it: decode and
/// validate the input, evaluate the catalog against the cart's stored state, encode the
/// outputs with their CloudEvents headers (or the dead letter), keep the cart's state, forget
/// idle carts, and hand out the changed carts' changelog records.
///
/// For tools that must behave like the worker byte for byte (replay, benchmarks): the
/// processing loop runs the same ``EventProcessor`` and ``CartStateStore``.
public struct RecordProcessor: Sendable {
    private var processor: EventProcessor
    private var store = CartStateStore()
    private let configuration: WorkerConfiguration

    public init(catalog: OfferCatalog, configuration: WorkerConfiguration) {
        self.configuration = configuration
        processor = EventProcessor(configuration: configuration, catalog: catalog)
    }

    /// Appends the records `record` causes to `outputs`; then forgets the carts of its
    /// partition idle for `--cart-idle-seconds`.
    public mutating func process(_ record: ConsumerRecord, into outputs: inout [ProducerRecord]) {
        processor.process(record, store: &store, into: &outputs)
        _ = store.evictIdleCarts(partition: record.partition, idleSeconds: configuration.cartIdleSeconds)
    }

    /// The changelog records of every cart changed since the last call (state or tombstone),
    /// as the loop writes them at the end of each commit interval.
    public mutating func takeChangelog() -> [ProducerRecord] {
        store.takeChangelog(topic: configuration.topics.changelog)
    }

    /// Carts held.
    public var cartCount: Int { store.cartCount }
}
