import Logging

/// Reads whole topics from the beginning, outside any consumer group: for tools, demos and
/// tests that need to see what was written.
public actor KafkaTopicReader {
    private let consumer: KafkaConsumer
    private var received: [String: [ConsumerRecord]] = [:]
    private var taken: [String: Int] = [:]

    /// Assigns every partition of `topics` from offset zero. The topics must exist.
    public init(configuration: KafkaConfiguration, topics: [String], logger: Logger = Logger(label: "kafka.reader")) async throws(KafkaError) {
        let partitions = try await Self.partitions(of: topics, configuration: configuration, logger: logger)
        // A group id is required by librdkafka's consumer API; nothing joins or commits with it.
        consumer = try KafkaConsumer(
            configuration: configuration.merging(["group.id": "kafka-topic-reader", "enable.auto.commit": "false"]),
            logger: logger)
        try consumer.assign(partitions)
    }

    /// The next `count` records of `topic` not returned before, in partition order (records of
    /// one partition stay in offset order). Throws when they do not arrive within `timeout`.
    public func read(topic: String, count: Int, timeout: Duration = .seconds(30)) async throws(KafkaError) -> [ConsumerRecord] {
        let deadline = ContinuousClock.now + timeout
        let start = taken[topic, default: 0]
        while received[topic, default: []].count < start + count {
            guard ContinuousClock.now < deadline else {
                throw .timedOut("expected \(count) record(s) on \(topic), got \(received[topic, default: []].count - start) in \(timeout)")
            }
            try await pollOnce(timeout: .milliseconds(100))
        }
        taken[topic] = start + count
        return Array(received[topic, default: []][start..<(start + count)])
    }

    /// Everything that arrives on the topics within `duration` (or since the last read), not
    /// returned before, by topic.
    public func drain(for duration: Duration) async throws(KafkaError) -> [String: [ConsumerRecord]] {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline { try await pollOnce(timeout: .milliseconds(100)) }
        var result: [String: [ConsumerRecord]] = [:]
        for (topic, records) in received {
            let start = taken[topic, default: 0]
            if records.count > start { result[topic] = Array(records[start...]) }
            taken[topic] = records.count
        }
        return result
    }

    public func close() async { await consumer.close() }

    /// Every record of `topics`, by topic, from each partition's first stored offset up to its
    /// end as of the call (in partition order, each partition's in offset order).
    ///
    /// Unlike ``drain(for:)``, which stops once nothing arrives for a while, the read ends at
    /// the partitions' ends whatever the broker's pace: a loaded machine whose first fetches
    /// take seconds gets the whole topic, not the part that arrived in time. `timeout` bounds
    /// the read of each partition.
    public static func readToEnd(
        configuration: KafkaConfiguration, topics: [String], timeout: Duration = .seconds(60),
        logger: Logger = Logger(label: "kafka.reader")
    ) async throws -> [String: [ConsumerRecord]] {
        let partitions = try await Self.partitions(of: topics, configuration: configuration, logger: logger)
        let reader = try KafkaPartitionReader(configuration: configuration, logger: logger)
        let result: Result<[String: [ConsumerRecord]], any Error> = await runBlocking { [partitions] in
            Result {
                var records: [String: [ConsumerRecord]] = [:]
                for partition in partitions {
                    try reader.readToEndBlocking(partition, timeout: timeout) { records[partition.topic, default: []].append($0) }
                }
                return records
            }
        }
        await reader.close()
        return try result.get()
    }

    /// Every partition of `topics`, which must exist.
    private static func partitions(
        of topics: [String], configuration: KafkaConfiguration, logger: Logger
    ) async throws(KafkaError) -> [TopicPartition] {
        let counts = try await KafkaAdmin(configuration: configuration, logger: logger).partitionCounts()
        var partitions: [TopicPartition] = []
        for topic in topics {
            guard let count = counts[topic] else { throw .configuration("topic \(topic) does not exist") }
            partitions += (0..<Int32(count)).map { TopicPartition(topic: topic, partition: $0) }
        }
        return partitions
    }

    private func pollOnce(timeout: Duration) async throws(KafkaError) {
        for case .records(let records) in try await consumer.poll(maxRecords: 1000, timeout: timeout) {
            for record in records { received[record.topic, default: []].append(record) }
        }
    }
}
