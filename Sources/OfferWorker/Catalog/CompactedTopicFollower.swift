import Kafka
import Logging

/// Reads a compacted topic in full, outside the consumer group, then follows it: the
/// machinery behind every topic each worker keeps a whole copy of (the offer catalog,
/// product availability). `apply` sees every record, in order per partition.
final class CompactedTopicFollower: Sendable {
    let topic: String
    /// What the topic holds, for logs (`catalog`, `availability`).
    let name: String
    private let kafka: KafkaConfiguration
    private let consumer: KafkaConsumer
    private let logger: Logger
    private let apply: @Sendable (ConsumerRecord) -> Void

    init(topic: String, name: String, groupId: String, kafka: KafkaConfiguration, logger: Logger,
         apply: @escaping @Sendable (ConsumerRecord) -> Void) throws {
        self.topic = topic
        self.name = name
        self.logger = logger
        self.apply = apply
        // Consumers only: producer properties given for the worker's outputs are left out.
        self.kafka = kafka.forConsumer()
        consumer = try KafkaConsumer(
            configuration: self.kafka.merging(["group.id": groupId, "enable.auto.commit": "false"]), logger: logger)
    }

    /// Reads the topic from the beginning up to its end as of now, then follows it from
    /// there; the worker processes no event before this returns. Returns the records read.
    func loadAll(partitions: Int) async throws -> Int {
        let reader = try KafkaPartitionReader(configuration: kafka, logger: logger)
        var resume: [TopicPartition: Int64] = [:]
        var records = 0
        let apply = self.apply
        for partition in (0..<Int32(partitions)).map({ TopicPartition(topic: topic, partition: $0) }) {
            let read = try await reader.readToEnd(partition, timeout: .seconds(120)) { apply($0) }
            records += read.records
            resume[partition] = read.end
        }
        await reader.close()
        try consumer.assign(resume)
        return records
    }

    /// Applies changes as they arrive, until cancelled.
    func follow() async {
        while !Task.isCancelled {
            do {
                for case .records(let records) in try await consumer.poll(maxRecords: 1000, timeout: .milliseconds(200)) {
                    records.forEach(apply)
                }
            } catch {
                logger.warning("\(name) topic poll failed; retrying", metadata: ["topic": "\(topic)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    func close() async { await consumer.close() }
}
