import Foundation
import Kafka
import OfferEngine
@testable import OfferWorker
import Testing

/// Accounts for every input: the worker's outputs and dead letters on the broker must be
/// exactly what processing the inputs in order gives (the same bytes, keys and headers),
/// each once after dropping redelivered duplicates by id.
struct Reconciliation {
    /// An output's identity: its CloudEvents id, or for a dead letter the input it carries.
    struct OutputID: Hashable, CustomStringConvertible {
        let topic: String
        let id: String
        var description: String { "\(topic)/\(id)" }
    }

    struct Output: Equatable {
        let key: [UInt8]?
        let value: [UInt8]?
        let headers: [KafkaHeader]
        let timestamp: Int64?
    }

    let expected: [OutputID: Output]

    /// What `inputs`, processed in this order by one worker, must produce.
    init(inputs: [ConsumerRecord], offers: [Offer], topics: TopicNames = TopicNames(), limits: EventLimits = EventLimits()) throws {
        let processor = EventProcessor(
            engine: OfferEngine(catalog: try OfferCatalog(offers: offers)), topics: topics, eventSource: "/offer-worker",
            metrics: WorkerMetrics(), codec: EventCodec(limits: limits))
        var store = CartStateStore()
        var expected: [OutputID: Output] = [:]
        for input in inputs {
            for output in processor.process(input, store: &store) {
                let id = Self.id(topic: output.topic, headers: output.headers)
                precondition(expected[id] == nil, "the oracle produced \(id) twice")
                expected[id] = Output(key: output.key, value: output.value, headers: output.headers, timestamp: output.timestamp)
            }
        }
        self.expected = expected
    }

    static func id(topic: String, headers: [KafkaHeader]) -> OutputID {
        func header(_ name: String) -> String { headers.first { $0.name == name }?.stringValue ?? "?" }
        if let ceId = headers.first(where: { $0.name == "ce_id" })?.stringValue { return OutputID(topic: topic, id: ceId) }
        return OutputID(topic: topic, id: "\(header("dlq_source_topic"))[\(header("dlq_source_partition"))]@\(header("dlq_source_offset"))")
    }

    /// Reads the output topics from the beginning until every expected output arrived (or
    /// `timeout`), then a little longer for strays, and checks them. Outputs of `optional`
    /// (inputs that may or may not have been processed) may also be there, and then must be
    /// right too. Returns how many duplicates were dropped.
    @discardableResult
    func check(kafka: KafkaConfiguration, topics: TopicNames = TopicNames(), timeout: Duration = .seconds(60),
               optional: Reconciliation? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int {
        let reader = try await KafkaTopicReader(configuration: kafka, topics: topics.outputs)
        var seen: [OutputID: Output] = [:]
        var duplicates = 0
        var mismatched: [String] = []
        func take(_ batch: [String: [ConsumerRecord]]) {
            for record in batch.values.joined() {
                let id = Self.id(topic: record.topic, headers: record.headers)
                let output = Output(key: record.key, value: record.value, headers: record.headers, timestamp: record.timestamp)
                if let earlier = seen[id] {
                    duplicates += 1
                    if earlier != output { mismatched.append("\(id): a redelivery differs from the first delivery") }
                } else {
                    seen[id] = output
                }
            }
        }
        let deadline = ContinuousClock.now + timeout
        while !expected.keys.allSatisfy({ seen[$0] != nil }) && ContinuousClock.now < deadline {
            take(try await reader.drain(for: .milliseconds(300)))
        }
        take(try await reader.drain(for: .seconds(1)))
        await reader.close()

        let missing = expected.keys.filter { seen[$0] == nil }.map(\.description).sorted()
        let allowed = optional?.expected ?? [:]
        let unexpected = seen.keys.filter { expected[$0] == nil && allowed[$0] == nil }.map(\.description).sorted()
        for (id, output) in expected.merging(allowed, uniquingKeysWith: { first, _ in first }) where seen[id] != nil && seen[id] != output {
            mismatched.append("\(id): expected \(String(decoding: output.value ?? [], as: UTF8.self)), got \(String(decoding: seen[id]!.value ?? [], as: UTF8.self))")
        }
        #expect(missing.isEmpty, "missing \(missing.count) of \(expected.count) outputs: \(missing.prefix(5))", sourceLocation: sourceLocation)
        #expect(unexpected.isEmpty, "unexpected outputs: \(unexpected.prefix(5))", sourceLocation: sourceLocation)
        #expect(mismatched.isEmpty, "\(mismatched.prefix(3).joined(separator: "\n"))", sourceLocation: sourceLocation)
        try await SchemaCheck.validate(seen.compactMap { id, output in
            ConsumerRecord(topic: id.topic, partition: 0, offset: 0, key: output.key, value: output.value)
        })
        return duplicates
    }
}

/// What the reconciliation helpers need to know of a test's Kafka set-up.
protocol KafkaTestEnvironment {
    var kafka: KafkaConfiguration { get }
    var topics: TopicNames { get }
    var groupId: String { get }
}

extension WorkerHarness: KafkaTestEnvironment {
    var groupId: String { configuration.groupId }
}

extension KafkaTestEnvironment {
    /// The input records as the worker sees them: read back from the input topics, carts
    /// before acceptances (tests send acceptances only after the carts' presentations
    /// arrived), each partition in offset order.
    func inputs(carts: Int, acceptances: Int = 0) async throws -> [ConsumerRecord] {
        let reader = try await KafkaTopicReader(configuration: kafka, topics: topics.inputs)
        let carts = try await reader.read(topic: topics.cartUpdated, count: carts)
        let accepted = acceptances > 0 ? try await reader.read(topic: topics.offerAccepted, count: acceptances) : []
        await reader.close()
        return carts + accepted
    }

    /// The group's committed offsets for the partitions `inputs` came from.
    func committed(_ inputs: [ConsumerRecord]) async throws -> [TopicPartition: Int64] {
        let inspector = try KafkaConsumer(configuration: kafka.merging(["group.id": groupId]))
        let committed = try await inspector.committed(Array(Set(inputs.map(\.topicPartition))))
        await inspector.close()
        return committed
    }

    /// Waits until the group has committed past every one of `inputs`: by then every output
    /// they cause, redeliveries included, is on the broker.
    func waitUntilCommitted(_ inputs: [ConsumerRecord], timeout: Duration = .seconds(60), context: @Sendable () -> String = { "" }) async throws {
        var ends: [TopicPartition: Int64] = [:]
        for input in inputs { ends[input.topicPartition] = max(ends[input.topicPartition] ?? 0, input.offset + 1) }
        let inspector = try KafkaConsumer(configuration: kafka.merging(["group.id": groupId]))
        let deadline = ContinuousClock.now + timeout
        var committed: [TopicPartition: Int64] = [:]
        while ContinuousClock.now < deadline {
            committed = try await inspector.committed(Array(ends.keys))
            if ends.allSatisfy({ committed[$0.key, default: -1] >= $0.value }) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        await inspector.close()
        #expect(ends.allSatisfy { committed[$0.key, default: -1] >= $0.value }, "committed \(committed), inputs end at \(ends)\n\(context())")
    }
}
