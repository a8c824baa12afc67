import Kafka
import Logging

/// What reading a changelog partition found.
struct ChangelogRead {
    /// Each cart's latest state, encoded as the store keeps it (tombstoned carts are absent).
    var carts: [String: CartStateStore.Entry] = [:]
    var records = 0
    /// The offset the read stopped at: the partition's end.
    var end: Int64 = 0
    /// State records that could not be read (logged, skipped).
    var unreadable = 0
    /// Records stamped at or after the cut-off, left out.
    var later = 0
}

extension ChangelogRead {
    /// Takes one changelog record: a cart's latest state (only its header decoded), or its
    /// deletion (an empty value). With `cutoff`, a record stamped at or after it is left out.
    mutating func apply(_ record: ConsumerRecord, before cutoff: Int64? = nil, logger: Logger) {
        guard let cartId = record.keyString else { return }
        if let cutoff, (record.timestamp ?? Int64.min) >= cutoff { later += 1; return }
        guard let value = record.value, !value.isEmpty else {
            carts.removeValue(forKey: cartId)
            return
        }
        do {
            carts[cartId] = CartStateStore.Entry(bytes: value, lastActivity: try StoredCart.lastActivity(ofEncoded: value))
        } catch {
            unreadable += 1
            logger.error("unreadable state record skipped", metadata: [
                "partition": "\(TopicPartition(topic: record.topic, partition: record.partition))", "offset": "\(record.offset)", "error": "\(error)",
            ])
        }
    }
}

extension KafkaPartitionReader {
    /// Reads a changelog partition to its end into the carts it holds: the latest record of
    /// each cart (an empty value deletes it), only its header decoded. With `cutoff`
    /// (milliseconds since the epoch), records stamped at or after it are left out: the state
    /// as of that time. Blocks the calling thread; the worker's restore and replay's
    /// `--state-from-changelog` both read state this way.
    func readChangelog(_ source: TopicPartition, before cutoff: Int64? = nil, logger: Logger) throws -> ChangelogRead {
        var read = ChangelogRead()
        let (records, end) = try readToEndBlocking(source) { record in
            read.apply(record, before: cutoff, logger: logger)
        }
        read.records = records
        read.end = end
        return read
    }
}
