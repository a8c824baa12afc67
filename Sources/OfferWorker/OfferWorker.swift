import Foundation
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
    /// Told by the processing loop what is restored, loaded and polling; read by `/readyz`.
    public let readiness: WorkerReadiness
    private let logger: Logger

    public init(
        configuration: WorkerConfiguration, catalog: OfferCatalog, logger: Logger = Logger(label: "offer-worker"),
        readiness: WorkerReadiness = WorkerReadiness()
    ) {
        self.configuration = configuration
        self.catalog = catalog
        self.readiness = readiness
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
        catalogMetrics.loaded(catalog)
        // The catalog topic is read in full before any event is processed.
        let follower: CatalogTopicFollower? = try await {
            guard let topic = configuration.catalogTopic, let partitions = topology.catalogPartitions else { return nil }
            let follower = try CatalogTopicFollower(topic: topic, kafka: configuration.kafka, live: live, metrics: catalogMetrics, logger: logger)
            try await follower.loadAll(partitions: partitions)
            return follower
        }()
        // So is the availability topic: no cart is shown an offer before stock is known.
        let availability = LiveAvailability()
        let stock: AvailabilityTopicFollower? = try await {
            guard let topic = configuration.availabilityTopic, let partitions = topology.availabilityPartitions else { return nil }
            let follower = try AvailabilityTopicFollower(topic: topic, kafka: configuration.kafka, live: availability, logger: logger)
            try await follower.loadAll(partitions: partitions)
            return follower
        }()
        readiness.catalogLoaded()

        let exactlyOnce = configuration.guarantee == .exactlyOnce
        // Read-committed everywhere, so aborted outputs and state are never seen.
        let kafka = configuration.kafka.merging(["isolation.level": "read_committed"]).forConsumer()
        let producer = try KafkaPipelineProducer(
            configuration: (exactlyOnce ? configuration.kafka.merging(["transactional.id": configuration.transactionalId ?? ""]) : configuration.kafka).forProducer(),
            logger: logger)
        if exactlyOnce { try await runOnOwnThread(name: "offer-init-txn") { try producer.initTransactions() } }
        await prepareOutputTopics(producer)
        let restorer = try KafkaPartitionReader(configuration: kafka, logger: logger)
        let consumer = try KafkaConsumer(configuration: WorkerConfiguration.groupConsumer(kafka, groupId: configuration.groupId), logger: logger)
        try consumer.subscribe(to: topology.inputs)
        logger.info("offer worker started: consuming", metadata: [
            "group": "\(configuration.groupId)", "inputs": "\(topology.inputs)", "allocator": "\(ProcessAllocator.name)",
        ])

        let pipeline = ProcessingPipeline(
            consumer: consumer, producer: producer, restorer: restorer, live: live,
            processor: EventProcessor(configuration: configuration, catalog: live.current.catalog),
            settings: ProcessingPipeline.Settings(
                topics: configuration.topics, cartIdleSeconds: configuration.cartIdleSeconds, engine: configuration.engineSettings,
                exactlyOnce: exactlyOnce, maxBatchSize: configuration.maxBatchSize, commitInterval: configuration.commitInterval),
            readiness: readiness, logger: logger, availability: availability)
        let watcher = configuration.offersFile.map {
            CatalogFileWatcher(path: $0, interval: configuration.catalogReloadInterval, live: live, metrics: catalogMetrics, logger: logger)
        }
        do {
            // The catalog sources run beside the processing loop until it ends.
            try await withThrowingTaskGroup(of: Void.self) { sources in
                if let watcher { sources.addTask { await watcher.run() } }
                if let follower { sources.addTask { await follower.follow() } }
                if let stock { sources.addTask { await stock.follow() } }
                try await withGracefulShutdownHandler {
                    try await pipeline.run()
                } onGracefulShutdown: {
                    pipeline.requestStop(graceful: true)
                }
                sources.cancelAll()
            }
        } catch {
            await restorer.close()
            await follower?.close()
            await stock?.close()
            throw error
        }
        await restorer.close()
        await follower?.close()
        await stock?.close()
        logger.info("offer worker stopped: outputs flushed, offsets committed, group left", metadata: ["carts": "\(pipeline.cartCount)"])
    }

    /// Has the producer look up every topic it writes to before the first input is read, so
    /// that no output waits for its topic's lookup (see
    /// ``KafkaPipelineProducer/prepareTopics(_:timeout:)``). A failure only costs that wait.
    private func prepareOutputTopics(_ producer: KafkaPipelineProducer) async {
        let topics = configuration.topics.outputs + [configuration.topics.changelog]
        do {
            let found = try await runOnOwnThread(name: "offer-topics") { try producer.prepareTopics(topics) }
            logger.debug("output topics looked up", metadata: ["partitions": "\(found.sorted { $0.key < $1.key })"])
        } catch {
            logger.warning("output topics not looked up at start-up; the first record of each waits for its lookup", metadata: ["error": "\(error)"])
        }
    }

    /// The changelog must be partitioned like the inputs, since partition N's state is
    /// written to its partition N; it is created, compacted, when missing.
    ///
    /// The embedded broker (`offer-worker broker`, `run --embedded`) creates topics only when
    /// it starts: there a missing state topic (a custom `--state-topic`) is refused at once,
    /// naming the command that creates it, rather than after a CreateTopics request times out.
    private func ensureChangelog(admin: KafkaAdmin, counts: [String: Int], partitions: Int) async throws {
        let changelog = configuration.topics.changelog
        if let count = counts[changelog] {
            guard count == partitions else {
                throw ConfigurationError(problems: ["the state topic \(changelog) has \(count) partitions but the inputs have \(partitions): it must match (recreate it, or choose another --state-topic)"])
            }
            return
        }
        if await admin.isEmbeddedCluster() {
            throw ConfigurationError(problems: [Self.missingStateTopicOnEmbeddedBroker(changelog)])
        }
        logger.info("creating the state topic", metadata: ["topic": "\(changelog)", "partitions": "\(partitions)"])
        do {
            try await admin.createTopics([NewTopic(name: changelog, partitions: partitions, replicationFactor: -1, config: ["cleanup.policy": "compact"])])
        } catch {
            throw ConfigurationError(problems: [
                "the state topic \(changelog) does not exist and could not be created (\(error)): create it compacted (cleanup.policy=compact) with \(partitions) partitions, like the inputs, or allow the worker to create topics",
            ])
        }
    }

    /// What to do about a missing state topic on the embedded broker.
    static func missingStateTopicOnEmbeddedBroker(_ topic: String) -> String {
        "the state topic \(topic) does not exist, and the embedded broker cannot create topics once started: start it with the topic "
            + "(offer-worker broker --state-topic \(topic), with the same topic options as the worker; or run --embedded --state-topic \(topic)), "
            + "or leave --state-topic at its default (\(TopicNames().changelog)), which the embedded broker creates"
    }

    /// What the worker found at start-up.
    private struct Topology {
        /// The topics to consume: the two inputs, and `offer.declined` when it exists.
        var inputs: [String]
        /// The catalog topic's partition count, when one is configured.
        var catalogPartitions: Int?
        /// The availability topic's partition count, when one is configured.
        var availabilityPartitions: Int?
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
        var availabilityPartitions: Int?
        if let availabilityTopic = configuration.availabilityTopic {
            guard let count = counts[availabilityTopic] else {
                throw ConfigurationError(problems: ["the availability topic \(availabilityTopic) does not exist: create it (compacted, key variantId) or fix --availability-topic"])
            }
            availabilityPartitions = count
        }
        try await ensureChangelog(admin: admin, counts: counts, partitions: counts[required[0]] ?? 1)
        return Topology(inputs: inputs, catalogPartitions: catalogPartitions, availabilityPartitions: availabilityPartitions)
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
