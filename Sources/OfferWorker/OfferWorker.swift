import Kafka
import Logging
import OfferEngine
import ServiceLifecycle

/// The offer worker: consumes cart updates and acceptances, presents offers and emits cart
/// mutations, as one member of a consumer group.
///
/// Each cart's state lives with its input partition and in a compacted changelog, restored
/// when the partition is assigned. Delivery is at-least-once by default (outputs, then the
/// changelog, then offsets, each acknowledged first) or exactly-once with Kafka transactions;
/// output ids derive from the input, so consumers can drop duplicates by `ce_id`. The offer
/// catalog follows its file and topic while the worker runs.
///
/// On graceful shutdown (SIGTERM/SIGINT through a `ServiceGroup`) it finishes the batch in
/// hand, flushes outputs, commits, and leaves the group.
public struct OfferWorker: Service, CustomStringConvertible {
    public let configuration: WorkerConfiguration
    public let catalog: OfferCatalog
    private let logger: Logger

    public init(configuration: WorkerConfiguration, catalog: OfferCatalog, logger: Logger = Logger(label: "offer-worker")) {
        self.configuration = configuration
        self.catalog = catalog
        self.logger = logger
    }

    /// Short, for the service lifecycle's logs (the configuration redacts its secrets).
    public var description: String {
        "OfferWorker(group: \(configuration.groupId), offers: \(catalog.offers.count), kafka: \(configuration.kafka))"
    }

    public func run() async throws {
        try configuration.validate()
        logger.info("offer worker starting", metadata: [
            "group": "\(configuration.groupId)", "offers": "\(catalog.offers.count)",
            "inputs": "\(configuration.topics.inputs)", "kafka": "\(configuration.kafka.redactedDescription)",
        ])
        let topology = try await checkTopics()

        let live = LiveCatalog(catalog)
        let catalogMetrics = CatalogMetrics()
        catalogMetrics.offers.record(catalog.offers.count)
        // The catalog topic is read in full before any event is processed.
        let follower: CatalogTopicFollower? = try await {
            guard let topic = configuration.catalogTopic, let partitions = topology.catalogPartitions else { return nil }
            let follower = try CatalogTopicFollower(topic: topic, kafka: configuration.kafka, live: live, metrics: catalogMetrics, logger: logger)
            try await follower.loadAll(partitions: partitions)
            return follower
        }()

        let exactlyOnce = configuration.guarantee == .exactlyOnce
        // Read-committed everywhere, so aborted outputs and state are never seen.
        let kafka = configuration.kafka.merging(["isolation.level": "read_committed"])
        let producer = try KafkaProducer(
            configuration: exactlyOnce ? kafka.merging(["transactional.id": configuration.transactionalId ?? ""]) : configuration.kafka,
            logger: logger)
        if exactlyOnce { try await producer.initTransactions() }
        let restorer = try KafkaPartitionReader(configuration: kafka, logger: logger)
        let consumer = try KafkaConsumer(configuration: kafka.merging(["group.id": configuration.groupId]), logger: logger)
        try consumer.subscribe(to: topology.inputs)
        logger.info("offer worker started: consuming", metadata: ["group": "\(configuration.groupId)", "inputs": "\(topology.inputs)"])

        let settings = OfferEngineSettings(
            maxOffersPerCart: configuration.maxOffersPerCart,
            presentationRetentionSeconds: configuration.presentationRetentionSeconds)
        var loop = ProcessingLoop(
            consumer: consumer, producer: producer, restorer: restorer, logger: logger,
            topics: configuration.topics, cartIdleSeconds: configuration.cartIdleSeconds,
            live: live, settings: settings, exactlyOnce: exactlyOnce,
            processor: EventProcessor(
                engine: OfferEngine(catalog: live.current.catalog, settings: settings),
                topics: configuration.topics, eventSource: configuration.eventSource, metrics: WorkerMetrics(),
                codec: EventCodec(limits: configuration.limits)))
        let watcher = configuration.offersFile.map {
            CatalogFileWatcher(path: $0, interval: configuration.catalogReloadInterval, live: live, metrics: catalogMetrics, logger: logger)
        }
        func closeClients(flushTimeout: Duration) async {
            producer.close(timeout: flushTimeout)
            await consumer.close()
            await restorer.close()
            await follower?.close()
        }
        do {
            // The catalog sources run beside the processing loop until it ends.
            try await withThrowingTaskGroup(of: Void.self) { sources in
                if let watcher { sources.addTask { await watcher.run() } }
                if let follower { sources.addTask { await follower.follow() } }
                try await loop.run(maxBatchSize: configuration.maxBatchSize)
                sources.cancelAll()
            }
        } catch {
            logger.error("offer worker stopping on error; uncommitted input will be processed again on restart", metadata: ["error": "\(error)"])
            await closeClients(flushTimeout: .seconds(5))
            throw error
        }
        await closeClients(flushTimeout: .seconds(30))
        logger.info("offer worker stopped: outputs flushed, offsets committed, group left", metadata: ["carts": "\(loop.store.cartCount)"])
    }

    /// The changelog must be partitioned like the inputs, since partition N's state is
    /// written to its partition N; it is created, compacted, when missing.
    private func ensureChangelog(admin: KafkaAdmin, counts: [String: Int], partitions: Int) async throws {
        let changelog = configuration.topics.changelog
        if let count = counts[changelog] {
            guard count == partitions else {
                throw ConfigurationError(problems: ["the state topic \(changelog) has \(count) partitions but the inputs have \(partitions): it must match (recreate it, or choose another --state-topic)"])
            }
            return
        }
        logger.info("creating the state topic", metadata: ["topic": "\(changelog)", "partitions": "\(partitions)"])
        try await admin.createTopics([NewTopic(name: changelog, partitions: partitions, replicationFactor: -1, config: ["cleanup.policy": "compact"])])
    }

    /// What the worker found at start-up.
    private struct Topology {
        /// The topics to consume: the two inputs, and `offer.declined` when it exists.
        var inputs: [String]
        /// The catalog topic's partition count, when one is configured.
        var catalogPartitions: Int?
    }

    /// Fails fast when a topic is missing or the inputs are not co-partitioned.
    private func checkTopics() async throws -> Topology {
        let admin = try KafkaAdmin(configuration: configuration.kafka, logger: logger)
        let counts = try await admin.partitionCounts()
        let required = configuration.topics.inputs
        let missing = required.filter { counts[$0] == nil }
        if !missing.isEmpty {
            throw ConfigurationError(problems: ["input topic(s) \(missing.joined(separator: ", ")) do not exist: create them (keyed by cartId, same partition count) or fix the topic names"])
        }
        var inputs: [String] = required
        if counts[configuration.topics.offerDeclined] != nil { inputs.append(configuration.topics.offerDeclined) }
        let inputCounts: Set<Int> = Set(inputs.map { counts[$0] ?? 0 })
        if inputCounts.count > 1 {
            let found = inputs.map { "\($0)=\(counts[$0] ?? 0)" }.joined(separator: ", ")
            throw ConfigurationError(problems: ["input topics must have the same partition count so a cart's events meet in one worker; found \(found)"])
        }
        let missingOutputs = configuration.topics.outputs.filter { counts[$0] == nil }
        if !missingOutputs.isEmpty && !configuration.outputTopicsAutoCreated {
            throw ConfigurationError(problems: ["output topic(s) \(missingOutputs.joined(separator: ", ")) do not exist: create them, or pass --allow-auto-create-topics if your brokers create topics on first write"])
        }
        var catalogPartitions: Int?
        if let catalogTopic = configuration.catalogTopic {
            guard let count = counts[catalogTopic] else {
                throw ConfigurationError(problems: ["the offers topic \(catalogTopic) does not exist: create it (compacted, key offerId) or fix --offers-topic"])
            }
            catalogPartitions = count
        }
        try await ensureChangelog(admin: admin, counts: counts, partitions: counts[required[0]] ?? 1)
        return Topology(inputs: inputs, catalogPartitions: catalogPartitions)
    }
}

/// The poll → process → produce → changelog → commit cycle.
///
/// The order makes every crash safe: outputs are acknowledged before the changelog records
/// the state that produced them, and both before the input offsets are committed. A crash
/// before the changelog write re-processes from the old state into the same outputs (same
/// ids); a crash after it finds the inputs already applied and emits nothing new.
struct ProcessingLoop {
    let consumer: KafkaConsumer
    let producer: KafkaProducer
    let restorer: KafkaPartitionReader
    let logger: Logger
    let topics: TopicNames
    let cartIdleSeconds: Int
    let live: LiveCatalog
    let settings: OfferEngineSettings
    /// Outputs, changelog and offsets in one transaction per batch.
    let exactlyOnce: Bool
    var processor: EventProcessor
    var store = CartStateStore()
    /// The catalog generation the processor's engine was built from.
    var catalogGeneration = 0
    /// The input partitions this worker owns; only their records are processed, and only
    /// after their state is restored.
    var assigned = Set<TopicPartition>()

    mutating func run(maxBatchSize: Int) async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            for event in try await consumer.poll(maxRecords: maxBatchSize, timeout: .milliseconds(100)) {
                switch event {
                case .records(let records):
                    let owned = records.filter { assigned.contains($0.topicPartition) }
                    if owned.count < records.count {
                        logger.warning("records of partitions not owned skipped", metadata: ["count": "\(records.count - owned.count)"])
                    }
                    try await process(owned)
                case .partitionsAssigned(let partitions):
                    logger.info("partitions assigned", metadata: ["partitions": "\(partitions.sorted())"])
                    for partition in Set(partitions.map(\.partition)).subtracting(store.ownedPartitions).sorted() {
                        try await restore(partition)
                    }
                    assigned.formUnion(partitions)
                case .partitionsRevoked(let partitions, let lost):
                    logger.info("partitions revoked", metadata: ["partitions": "\(partitions.sorted())", "lost": "\(lost)"])
                    assigned.subtract(partitions)
                    store.removePartitions(Set(partitions.map(\.partition)))
                    processor.metrics.cartSessions.record(store.cartCount)
                }
            }
        }
    }

    /// Rebuilds a partition's cart state from its changelog before any of its events is
    /// processed.
    private mutating func restore(_ partition: Int32) async throws {
        let start = ContinuousClock.now
        var carts: [String: StoredCart] = [:]
        var unreadable = 0
        let source = TopicPartition(topic: topics.changelog, partition: partition)
        let (records, _) = try await restorer.readToEnd(source) { record in
            guard let cartId = record.keyString else { return }
            guard let value = record.value, !value.isEmpty else {
                carts.removeValue(forKey: cartId)
                return
            }
            do {
                carts[cartId] = try StoredCart(decoding: value)
            } catch {
                unreadable += 1
                logger.error("unreadable state record skipped", metadata: ["partition": "\(source)", "offset": "\(record.offset)", "error": "\(error)"])
            }
        }
        store.restore(partition: partition, carts: carts)
        processor.metrics.cartSessions.record(store.cartCount)
        logger.info("partition state restored", metadata: [
            "partition": "\(partition)", "carts": "\(carts.count)", "changelogRecords": "\(records)",
            "unreadable": "\(unreadable)", "took": "\(ContinuousClock.now - start)",
        ])
    }

    private mutating func process(_ records: [ConsumerRecord]) async throws {
        guard !records.isEmpty else { return }
        let start = ContinuousClock.now
        let (catalog, generation) = live.current
        if generation != catalogGeneration {
            processor.engine = OfferEngine(catalog: catalog, settings: settings)
            catalogGeneration = generation
        }
        var outputs: [ProducerRecord] = []
        var nextOffsets: [TopicPartition: Int64] = [:]
        for record in records {
            outputs += processor.process(record, store: &store)
            nextOffsets[record.topicPartition] = record.offset + 1
        }
        var evicted = 0
        for partition in Set(records.map(\.partition)) {
            evicted += store.evictIdleCarts(partition: partition, idleSeconds: cartIdleSeconds)
        }
        let changelog = store.takeChangelog(topic: topics.changelog, codec: processor.codec)
        if exactlyOnce {
            try await commitTransaction(outputs + changelog, offsets: nextOffsets)
        } else {
            try await deliver(outputs)
            try await deliver(changelog)
            try await commit(nextOffsets)
        }
        processor.metrics.cartSessions.record(store.cartCount)
        processor.metrics.batchDuration.record(duration: start.duration(to: .now))
        if evicted > 0 {
            processor.metrics.evictedCarts.increment(by: evicted)
            logger.info("idle carts forgotten", metadata: ["evicted": "\(evicted)", "carts": "\(store.cartCount)"])
        }
    }

    /// Produces `records` and waits for every acknowledgement, retrying what failed with a
    /// retriable error. A fatal error stops the worker with its input uncommitted.
    private func deliver(_ records: [ProducerRecord]) async throws {
        var pending = records
        var attempt = 0
        while !pending.isEmpty {
            let results = await producer.send(pending)
            var failed: [ProducerRecord] = []
            for (record, result) in zip(pending, results) {
                guard case .failure(let error) = result else { continue }
                guard error.isRetriable, !error.isFatal else {
                    throw WorkerError.deliveryFailed(topic: record.topic, error: error)
                }
                failed.append(record)
            }
            guard !failed.isEmpty else { return }
            attempt += 1
            processor.metrics.deliveryRetries.increment(by: failed.count)
            if Task.isShuttingDownGracefully && attempt > 3 {
                throw WorkerError.deliveryFailed(topic: failed[0].topic, error: .timedOut("shutting down with \(failed.count) output(s) undelivered"))
            }
            logger.warning("retrying undelivered outputs", metadata: ["count": "\(failed.count)", "attempt": "\(attempt)"])
            try? await Task.sleep(for: .milliseconds(min(100 << min(attempt, 6), 5_000)))
            pending = failed
        }
    }

    /// Exactly-once: the batch's outputs, changelog records and offsets in one transaction.
    /// A failed transaction is aborted and stops the worker: its in-memory state is ahead of
    /// what was committed, and a restart restores both from Kafka.
    private func commitTransaction(_ records: [ProducerRecord], offsets: [TopicPartition: Int64]) async throws {
        do throws(KafkaError) {
            try await producer.beginTransaction()
            for case .failure(let error) in await producer.send(records) { throw error }
            try await producer.sendOffsetsToTransaction(offsets, of: consumer)
            try await producer.commitTransaction()
        } catch {
            logger.error("transaction failed; aborting it", metadata: ["error": "\(error)"])
            try? await producer.abortTransaction()
            throw WorkerError.transactionFailed(error)
        }
    }

    /// Commits offsets, retrying retriable errors for as long as it takes (a broker outage
    /// must not stop the worker); a non-retriable error stops it uncommitted. Offsets of
    /// partitions lost in a rebalance are left to their new owner, which finds the inputs
    /// already applied in the changelog it restores.
    private func commit(_ offsets: [TopicPartition: Int64]) async throws {
        var attempt = 0
        while true {
            do {
                return try await consumer.commit(offsets)
            } catch {
                if WorkerError.isRebalanceError(error) {
                    logger.info("offsets not committed: partitions were reassigned", metadata: ["error": "\(error)"])
                    return
                }
                attempt += 1
                guard error.isRetriable, !(Task.isShuttingDownGracefully && attempt > 5) else { throw WorkerError.commitFailed(error) }
                logger.warning("retrying offset commit", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                try? await Task.sleep(for: .milliseconds(min(100 << min(attempt, 6), 5_000)))
            }
        }
    }
}

/// Why the worker stopped.
public enum WorkerError: Error, CustomStringConvertible {
    case deliveryFailed(topic: String, error: KafkaError)
    case commitFailed(KafkaError)
    case transactionFailed(KafkaError)

    public var description: String {
        switch self {
        case .deliveryFailed(let topic, let error): "output to \(topic) could not be delivered: \(error)"
        case .commitFailed(let error): "offsets could not be committed: \(error)"
        case .transactionFailed(let error): "the transaction of a batch failed and was aborted: \(error)"
        }
    }

    static func isRebalanceError(_ error: KafkaError) -> Bool {
        ["ILLEGAL_GENERATION", "UNKNOWN_MEMBER_ID", "REBALANCE_IN_PROGRESS", "_ASSIGNMENT_LOST", "_STATE"].contains(error.name)
    }
}
