import Kafka
import Logging
import OfferEngine
import ServiceLifecycle

/// The offer worker: consumes cart updates and acceptances, presents offers and emits cart
/// mutations, as one member of a consumer group.
///
/// Delivery is at-least-once: a polled batch is processed in order, its outputs are produced
/// and acknowledged by the broker, and only then are its offsets committed. Output ids derive
/// from the input, so a re-processed batch gives the same records and consumers can drop
/// duplicates by `ce_id`.
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
        try await checkTopics()

        let producer = try KafkaProducer(configuration: configuration.kafka, logger: logger)
        let consumer = try KafkaConsumer(
            configuration: configuration.kafka.merging(["group.id": configuration.groupId]), logger: logger)
        try consumer.subscribe(to: configuration.topics.inputs)
        logger.info("offer worker started: consuming", metadata: ["group": "\(configuration.groupId)"])

        var loop = ProcessingLoop(
            consumer: consumer, producer: producer, logger: logger,
            processor: EventProcessor(
                engine: OfferEngine(catalog: catalog, settings: OfferEngineSettings(maxOffersPerCart: configuration.maxOffersPerCart)),
                topics: configuration.topics, eventSource: configuration.eventSource, metrics: WorkerMetrics(),
                codec: EventCodec(limits: configuration.limits)))
        do {
            try await loop.run(maxBatchSize: configuration.maxBatchSize)
        } catch {
            logger.error("offer worker stopping on error; uncommitted input will be processed again on restart", metadata: ["error": "\(error)"])
            producer.close(timeout: .seconds(5))
            await consumer.close()
            throw error
        }
        producer.close()
        await consumer.close()
        logger.info("offer worker stopped: outputs flushed, offsets committed, group left")
    }

    /// Fails fast when a topic is missing or the inputs are not co-partitioned.
    private func checkTopics() async throws {
        let admin = try KafkaAdmin(configuration: configuration.kafka, logger: logger)
        let counts = try await admin.partitionCounts()
        let inputs = configuration.topics.inputs
        let missing = inputs.filter { counts[$0] == nil }
        if !missing.isEmpty {
            throw ConfigurationError(problems: ["input topic(s) \(missing.joined(separator: ", ")) do not exist: create them (keyed by cartId, same partition count) or fix the topic names"])
        }
        let inputCounts = inputs.map { "\($0)=\(counts[$0]!)" }
        if Set(inputs.map { counts[$0]! }).count > 1 {
            throw ConfigurationError(problems: ["input topics must have the same partition count so a cart's events meet in one worker; found \(inputCounts.joined(separator: ", "))"])
        }
        let missingOutputs = configuration.topics.outputs.filter { counts[$0] == nil }
        if !missingOutputs.isEmpty && !configuration.outputTopicsAutoCreated {
            throw ConfigurationError(problems: ["output topic(s) \(missingOutputs.joined(separator: ", ")) do not exist: create them, or pass --allow-auto-create-topics if your brokers create topics on first write"])
        }
    }
}

/// The poll → process → produce → commit cycle.
struct ProcessingLoop {
    let consumer: KafkaConsumer
    let producer: KafkaProducer
    let logger: Logger
    let processor: EventProcessor
    var store = CartSessionStore()

    mutating func run(maxBatchSize: Int) async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            for event in try await consumer.poll(maxRecords: maxBatchSize, timeout: .milliseconds(100)) {
                switch event {
                case .records(let records):
                    try await process(records)
                case .partitionsAssigned(let partitions):
                    logger.info("partitions assigned", metadata: ["partitions": "\(partitions)"])
                case .partitionsRevoked(let partitions, let lost):
                    logger.info("partitions revoked", metadata: ["partitions": "\(partitions)", "lost": "\(lost)"])
                    store.removePartitions(Set(partitions.map(\.partition)))
                    processor.metrics.cartSessions.record(store.cartCount)
                }
            }
        }
    }

    private mutating func process(_ records: [ConsumerRecord]) async throws {
        let start = ContinuousClock.now
        var outputs: [ProducerRecord] = []
        var nextOffsets: [TopicPartition: Int64] = [:]
        for record in records {
            outputs += processor.process(record, store: &store)
            nextOffsets[record.topicPartition] = record.offset + 1
        }
        try await deliver(outputs)
        try await commit(nextOffsets)
        processor.metrics.cartSessions.record(store.cartCount)
        processor.metrics.batchDuration.record(duration: start.duration(to: .now))
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

    /// Commits offsets, retrying retriable errors. Offsets of partitions lost in a rebalance
    /// are left to their new owner, which processes them again with the same output ids.
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
                guard error.isRetriable, attempt < 10 else { throw WorkerError.commitFailed(error) }
                logger.warning("retrying offset commit", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                try? await Task.sleep(for: .milliseconds(min(100 << attempt, 5_000)))
            }
        }
    }
}

/// Why the worker stopped.
public enum WorkerError: Error, CustomStringConvertible {
    case deliveryFailed(topic: String, error: KafkaError)
    case commitFailed(KafkaError)

    public var description: String {
        switch self {
        case .deliveryFailed(let topic, let error): "output to \(topic) could not be delivered: \(error)"
        case .commitFailed(let error): "offsets could not be committed: \(error)"
        }
    }

    static func isRebalanceError(_ error: KafkaError) -> Bool {
        ["ILLEGAL_GENERATION", "UNKNOWN_MEMBER_ID", "REBALANCE_IN_PROGRESS", "_ASSIGNMENT_LOST", "_STATE"].contains(error.name)
    }
}
