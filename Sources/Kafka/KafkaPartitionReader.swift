import CRdKafka
import Logging

/// Reads single partitions from the beginning up to their end at the time of the call,
/// outside any consumer group: the way a changelog is restored.
public final class KafkaPartitionReader: Sendable {
    private let consumer: KafkaConsumer

    public init(configuration: KafkaConfiguration, logger: Logger = Logger(label: "kafka.partition-reader")) throws(KafkaError) {
        // A group id is required by librdkafka's consumer API; nothing joins or commits with it.
        // End-of-partition events tell when the end offset is reached even when the last
        // offsets hold no record (a transaction marker, or records removed by compaction).
        consumer = try KafkaConsumer(
            configuration: configuration.merging([
                "group.id": "kafka-partition-reader", "enable.auto.commit": "false", "enable.partition.eof": "true",
            ]),
            logger: logger)
    }

    /// Calls `body` with every record of `partition` from its first stored offset up to its
    /// high watermark as of now, in offset order. Returns how many records it read and the
    /// offset it stopped at (where a follower resumes). Runs off the cooperative pool.
    @discardableResult
    public func readToEnd(
        _ partition: TopicPartition, timeout: Duration = .seconds(60), _ body: @escaping @Sendable (ConsumerRecord) throws -> Void
    ) async throws -> (records: Int, end: Int64) {
        let result: Result<(records: Int, end: Int64), any Error> = await runBlocking { [self] in
            Result { try readToEndBlocking(partition, timeout: timeout, body) }
        }
        return try result.get()
    }

    /// ``readToEnd(_:timeout:_:)`` on the calling thread, which it blocks.
    ///
    /// The read ends at the partition's end as the fetcher sees it (librdkafka's
    /// end-of-partition event at the high watermark), once that is at or past the end offset
    /// found at the start; never at "last record's offset + 1": on a real broker the last
    /// offset of a transactional topic is a commit marker that is never delivered, compaction
    /// leaves gaps, and a broker whose ListOffsets answer lags its log (Tansu 0.6.0) would
    /// otherwise cut the read short.
    @discardableResult
    public func readToEndBlocking(
        _ partition: TopicPartition, timeout: Duration = .seconds(60), _ body: (ConsumerRecord) throws -> Void
    ) throws -> (records: Int, end: Int64) {
        let (low, high) = try consumer.watermarksBlocking(of: partition)
        guard high > low else { return (0, high) }
        try consumer.assign([partition], from: low)
        defer { try? consumer.assign([]) }
        let handle = consumer.nativeHandle
        let deadline = ContinuousClock.now + timeout
        var position = low
        var count = 0
        var reachedEnd = false
        var topicName: KafkaConsumer.TopicName?
        while !reachedEnd {
            guard ContinuousClock.now < deadline else {
                throw KafkaError.timedOut("reading \(partition) up to offset \(high) took longer than \(timeout); reached \(position)")
            }
            guard let message = rd_kafka_consumer_poll(handle, 100) else { continue }
            // A record made of the message owns it from then on.
            var owned = true
            defer { if owned { rd_kafka_message_destroy(message) } }
            let m = message.pointee
            guard m.partition == partition.partition, KafkaConsumer.name(of: m.rkt, known: &topicName) == partition.topic else { continue }
            switch m.err {
            case RD_KAFKA_RESP_ERR_NO_ERROR:
                guard m.offset >= position else { continue }
                owned = false
                try body(KafkaConsumer.record(from: message, client: consumer.nativeClient, topicName: &topicName))
                count += 1
                position = m.offset + 1
            case RD_KAFKA_RESP_ERR__PARTITION_EOF:
                position = max(position, m.offset)
                reachedEnd = m.offset >= high
            default:
                if let fatal = consumer.fatalError { throw fatal }
                let error = KafkaError(m.err)
                if !error.isRetriable { throw error }
            }
        }
        return (count, position)
    }

    public func close() async { await consumer.close() }

    /// ``close()`` on the calling thread.
    public func closeBlocking() { consumer.closeBlocking() }
}
