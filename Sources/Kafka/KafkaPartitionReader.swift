import Logging

/// Reads single partitions from the beginning up to their end at the time of the call,
/// outside any consumer group: the way a changelog is restored.
public final class KafkaPartitionReader: Sendable {
    private let consumer: KafkaConsumer

    public init(configuration: KafkaConfiguration, logger: Logger = Logger(label: "kafka.partition-reader")) throws(KafkaError) {
        // A group id is required by librdkafka's consumer API; nothing joins or commits with it.
        consumer = try KafkaConsumer(
            configuration: configuration.merging(["group.id": "kafka-partition-reader", "enable.auto.commit": "false"]),
            logger: logger)
    }

    /// Calls `body` with every record of `partition` from its first stored offset up to its
    /// high watermark as of now, in offset order. Returns how many records it read and the
    /// offset it stopped at (where a follower resumes).
    ///
    /// The partition must end with a record (not a transaction marker): true of a
    /// non-transactional topic, compacted or not, since compaction keeps the newest records.
    @discardableResult
    public func readToEnd(
        _ partition: TopicPartition, timeout: Duration = .seconds(60), _ body: (ConsumerRecord) throws -> Void
    ) async throws -> (records: Int, end: Int64) {
        let (low, high) = try await consumer.watermarks(of: partition)
        guard high > low else { return (0, high) }
        try consumer.assign([partition], from: low)
        defer { try? consumer.assign([]) }
        let deadline = ContinuousClock.now + timeout
        var next = low
        var count = 0
        while next < high {
            guard ContinuousClock.now < deadline else {
                throw KafkaError.timedOut("reading \(partition) up to offset \(high) took longer than \(timeout); reached \(next)")
            }
            for case .records(let records) in try await consumer.poll(maxRecords: 2000, timeout: .milliseconds(100)) {
                for record in records where record.topicPartition == partition && record.offset >= next && record.offset < high {
                    try body(record)
                    next = record.offset + 1
                    count += 1
                }
            }
        }
        return (count, high)
    }

    public func close() async { await consumer.close() }
}
