import Kafka
import Logging

/// Cart state as the worker's changelog (`--state-topic`) held it at a point in time, for a
/// replay that starts where the live worker was rather than from empty state
/// (`--state-from-changelog`).
///
/// A partition's carts are the latest changelog record of each cart whose timestamp is
/// before the cut-off (an empty value deletes the cart). The worker stamps each state record
/// with the cart's latest event time, so this is the state after every event before the
/// cut-off, as far as the changelog still holds it: compaction may have removed a cart's
/// older record, in which case the cart starts empty.
final class ChangelogSnapshot {
    private let reader: KafkaPartitionReader
    private let topic: String
    private let logger: Logger

    init(kafka: KafkaConfiguration, topic: String, logger: Logger) throws(KafkaError) {
        reader = try KafkaPartitionReader(configuration: KafkaConfiguration(["isolation.level": "read_committed"]).merging(kafka.forConsumer().properties), logger: logger)
        self.topic = topic
        self.logger = logger
    }

    /// The carts of `partition` as of `cutoff` (milliseconds since the epoch), encoded as the
    /// state store keeps them. Blocks the calling thread.
    func carts(partition: Int32, before cutoff: Int64) throws -> [String: CartStateStore.Entry] {
        let source = TopicPartition(topic: topic, partition: partition)
        let read = try reader.readChangelog(source, before: cutoff, logger: logger)
        logger.info("replay state restored from the changelog", metadata: [
            "partition": "\(source)", "carts": "\(read.carts.count)", "changelogRecords": "\(read.records)",
            "afterCutoff": "\(read.later)", "unreadable": "\(read.unreadable)",
        ])
        return read.carts
    }

    func close() {
        reader.closeBlocking()
    }
}
