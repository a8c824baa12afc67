import Kafka
import Logging
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

    /// Starts holding `partition` with the carts of its changelog `records` (in offset
    /// order), as the worker's restore does: the latest record of each cart kept encoded,
    /// only its header decoded, an empty value deleting the cart. Returns the carts restored
    /// and the records that could not be read. For tools and benchmarks that time a restore
    /// without a broker.
    public mutating func restore(partition: Int32, changelog records: some Sequence<ConsumerRecord>) -> (carts: Int, unreadable: Int) {
        var read = ChangelogRead()
        let logger = Logger(label: "restore", factory: { _ in SwiftLogNoOpLogHandler() })
        for record in records {
            read.apply(record, logger: logger)
            read.records += 1
            read.end = record.offset + 1
        }
        store.restore(partition: partition, carts: read.carts, changelogEnd: read.end)
        return (read.carts.count, read.unreadable)
    }

    /// Carts held.
    public var cartCount: Int { store.cartCount }
}
