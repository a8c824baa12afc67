import Foundation
import Kafka
import Logging
import OfferEngine
import OfferWorker
import ServiceLifecycle
import Synchronization
import Testing

/// A broker with the worker's topics, workers running in-process, a producer for inputs and
/// a reader for outputs.
final class WorkerHarness: Sendable {
    /// The broker, stopped when the harness goes.
    let broker: TestBroker
    let topics = TopicNames()
    let kafka: KafkaConfiguration
    let producer: KafkaProducer
    let outputs: KafkaTopicReader
    let codec = EventCodec()
    let configuration: WorkerConfiguration
    let catalog: OfferCatalog
    let logger: Logger
    /// What the in-process workers logged (warnings and above).
    let logs = LogCapture()
    private let workers = Mutex<[RunningWorker]>([])

    /// The mock cluster, for its fault hooks (only on the mock).
    var cluster: EmbeddedKafkaCluster { broker.embedded! }

    /// On a fresh mock cluster with the worker's topics.
    convenience init(
        offers: [Offer], partitions: Int = 4, groupId: String = "offer-worker-test", maxOffersPerCart: Int = 3,
        limits: EventLimits = EventLimits(), kafkaProperties: [String: String] = [:], startWorker: Bool = true,
        offersFile: String? = nil, catalogTopic: String? = nil, guarantee: DeliveryGuarantee = .atLeastOnce, beforeStart: (EmbeddedKafkaCluster) throws -> Void = { _ in },
        configure: (inout WorkerConfiguration) -> Void = { _ in }
    ) async throws {
        TestLogging.setUp()
        let cluster = try EmbeddedKafkaCluster.withWorkerTopics(TopicNames(), partitions: partitions)
        try beforeStart(cluster)
        try await self.init(
            broker: TestBroker(mock: cluster), offers: offers, groupId: groupId, maxOffersPerCart: maxOffersPerCart, limits: limits,
            kafkaProperties: kafkaProperties, startWorker: startWorker, offersFile: offersFile, catalogTopic: catalogTopic, guarantee: guarantee,
            configure: configure)
    }

    /// On a fresh `broker` with the worker's topics; `beforeStart` runs before the harness
    /// connects (to create more topics, say).
    convenience init(
        on broker: Broker, offers: [Offer], partitions: Int = 4, groupId: String = "offer-worker-test", maxOffersPerCart: Int = 3,
        limits: EventLimits = EventLimits(), kafkaProperties: [String: String] = [:], startWorker: Bool = true,
        offersFile: String? = nil, catalogTopic: String? = nil, guarantee: DeliveryGuarantee = .atLeastOnce,
        beforeStart: (TestBroker) async throws -> Void = { _ in }
    ) async throws {
        let running = try await broker.startWithWorkerTopics(TopicNames(), partitions: partitions)
        try await beforeStart(running)
        try await self.init(
            broker: running, offers: offers, groupId: groupId, maxOffersPerCart: maxOffersPerCart, limits: limits,
            kafkaProperties: kafkaProperties, startWorker: startWorker, offersFile: offersFile, catalogTopic: catalogTopic, guarantee: guarantee)
    }

    /// On a running broker that already has the worker's topics.
    init(
        broker: TestBroker, offers: [Offer], groupId: String = "offer-worker-test", maxOffersPerCart: Int = 3,
        limits: EventLimits = EventLimits(), kafkaProperties: [String: String] = [:], startWorker: Bool = true,
        offersFile: String? = nil, catalogTopic: String? = nil, guarantee: DeliveryGuarantee = .atLeastOnce,
        configure: (inout WorkerConfiguration) -> Void = { _ in }
    ) async throws {
        self.broker = broker
        kafka = broker.kafka
        producer = try KafkaProducer(configuration: kafka.merging(broker.producerProperties))
        outputs = try await KafkaTopicReader(configuration: kafka, topics: topics.outputs)
        logger = logs.logger(label: "offer-worker-test", level: .warning)
        // A short session, so a member that stopped without leaving is replaced quickly.
        var configuration = WorkerConfiguration(
            kafka: kafka.merging(["session.timeout.ms": "6000"]).merging(broker.producerProperties).merging(kafkaProperties), groupId: groupId, maxOffersPerCart: maxOffersPerCart, limits: limits,
            offersFile: offersFile, catalogReloadInterval: .milliseconds(200), catalogTopic: catalogTopic,
            guarantee: guarantee, transactionalId: guarantee == .exactlyOnce ? "\(groupId)-worker" : nil)
        configure(&configuration)
        self.configuration = configuration
        catalog = try OfferCatalog(offers: offers)
        if startWorker { _ = self.startWorker() }
    }

    /// Starts one more worker in the group.
    @discardableResult
    func startWorker() -> RunningWorker {
        let worker = RunningWorker(OfferWorker(configuration: configuration, catalog: catalog, logger: logger), logger: logger)
        workers.withLock { $0.append(worker) }
        return worker
    }

    /// The first worker started.
    var worker: RunningWorker { workers.withLock { $0[0] } }
    func send(_ carts: [CartUpdated]) async throws {
        try await producer.sendAll(carts.map {
            ProducerRecord(topic: topics.cartUpdated, key: Array($0.cartId.utf8), value: codec.encode($0), timestamp: $0.occurredAt.millisecondsSinceEpoch)
        })
    }

    func send(_ acceptances: [OfferAccepted], key: String? = nil) async throws {
        try await producer.sendAll(acceptances.map {
            ProducerRecord(topic: topics.offerAccepted, key: Array((key ?? $0.cartId).utf8), value: codec.encode($0), timestamp: $0.occurredAt.millisecondsSinceEpoch)
        })
    }

    /// Calls `attempt` with 1, 2, ... until it gives `expected` (a change has reached the
    /// worker), for up to `timeout`; returns what the last attempt gave.
    func retry<T: Equatable>(until expected: T, timeout: Duration = .seconds(30), _ attempt: (Int) async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        var number = 0
        var result: T
        repeat {
            number += 1
            result = try await attempt(number)
        } while result != expected && ContinuousClock.now < deadline
        return result
    }

    /// Waits up to `timeout` until the worker has logged more than `count` messages
    /// containing `fragment`; returns whether it has.
    func logged(_ fragment: String, moreThan count: Int, timeout: Duration = .seconds(30)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while logs.count(fragment) <= count {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(100))
        }
        return true
    }

    /// Produces `records` and returns where each was stored.
    func send(records: [ProducerRecord]) async throws -> [DeliveryReport] {
        try await producer.send(records).map { try $0.get() }
    }

    func sendRaw(topic: String, key: String?, value: [UInt8]) async throws {
        try await producer.sendAll([ProducerRecord(topic: topic, key: key.map { Array($0.utf8) }, value: value, timestamp: Fixtures.recordTimestamp)])
    }

    /// The next `count` records of an output topic, checked against the topic's JSON Schema.
    func read(_ topic: String, count: Int) async throws -> [ConsumerRecord] {
        let records = try await outputs.read(topic: topic, count: count)
        try await SchemaCheck.validate(records)
        return records
    }

    func read<T: Decodable>(_ type: T.Type, _ topic: String, count: Int) async throws -> [T] {
        try await read(topic, count: count).map { try codec.decode(T.self, from: $0.value ?? []) }
    }

    /// Whatever else arrives within `duration`, by topic.
    func drain(for duration: Duration) async throws -> [String: [ConsumerRecord]] {
        let records = try await outputs.drain(for: duration)
        try await SchemaCheck.validate(records.values.flatMap { $0 })
        return records
    }

    /// Graceful shutdown of every worker still running, as on SIGTERM; throws what a worker
    /// threw.
    func stop() async throws {
        await producer.close()
        for worker in workers.withLock({ $0 }) { try await worker.stop() }
        await outputs.close()
    }
}

/// One worker running in a service group, as the executable runs it.
struct RunningWorker: Sendable {
    let group: ServiceGroup
    let task: Task<Void, any Error>
    private let finished: Flag

    /// Set once, when the worker's task ends.
    private final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    init(_ worker: OfferWorker, logger: Logger) {
        let group = ServiceGroup(services: [worker], logger: logger)
        let finished = Flag()
        self.group = group
        self.finished = finished
        task = Task {
            defer { finished.value.store(true, ordering: .releasing) }
            try await group.run()
        }
    }

    /// Whether the worker is still running (it has neither stopped nor failed).
    var isRunning: Bool { !finished.value.load(ordering: .acquiring) }

    /// Graceful shutdown; throws what the worker threw.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// Waits for the worker to stop by itself; returns its error, `nil` for a clean stop, or
    /// ``WorkerStillRunning`` when it is still running after `timeout` (it is left running).
    func stopped(within timeout: Duration) async -> (any Error)? {
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            // Not a task group racing `task.result`: that child cannot be cancelled, so the
            // group would wait for the worker to end however long it runs.
            guard ContinuousClock.now < deadline else { return WorkerStillRunning() }
            try? await Task.sleep(for: .milliseconds(20))
        }
        switch await task.result {
        case .failure(let error): return error
        case .success: return nil
        }
    }
}

struct WorkerStillRunning: Error {}

/// Validates output records against `schemas/` with Python's jsonschema
/// (`scripts/validate-events.py`); the test command installs it when missing.
enum SchemaCheck {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func schemaName(ofTopic topic: String) -> String? {
        switch topic {
        case "offer.presented", "cart.mutation", "offer.rejected", "cart.updated", "offer.accepted": topic
        default: nil
        }
    }

    /// Runs python3 off Swift's cooperative pool.
    static func validate(_ records: [ConsumerRecord]) async throws {
        try await offPool { try validateBlocking(records) }
    }

    private static func validateBlocking(_ records: [ConsumerRecord]) throws {
        let documents = records.compactMap { record -> (String, [UInt8])? in
            guard let schema = schemaName(ofTopic: record.topic), let value = record.value else { return nil }
            return (schema, value)
        }
        guard !documents.isEmpty else { return }
        var input = Data()
        for (schema, value) in documents {
            input.append(contentsOf: Array("{\"schema\":\"\(schema)\",\"value\":".utf8) + value + Array("}\n".utf8))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot.appendingPathComponent("scripts/validate-events.py").path,
                             repositoryRoot.appendingPathComponent("schemas").path]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let report = String(decoding: stdout.fileHandleForReading.readAllRetryingInterrupts(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "schema validation failed:\n\(report)")
        #expect(report.contains("\(documents.count) valid"), "schema check saw fewer documents than sent:\n\(report)")
    }
}
