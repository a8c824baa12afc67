import Foundation

/// What a consumer knows of its partitions, from librdkafka's statistics (emitted every
/// `statistics.interval.ms`; off unless that property is set).
///
/// Only the figures a worker reports are kept: the partition's end (the high watermark, and
/// the last stable offset that a `read_committed` consumer reads up to), the group's committed
/// offset, and librdkafka's own lag figure.
public struct KafkaStatistics: Sendable, Equatable {
    public struct Partition: Sendable, Equatable {
        public var lowWatermark: Int64?
        public var highWatermark: Int64?
        public var lastStableOffset: Int64?
        public var committedOffset: Int64?
        /// librdkafka's `consumer_lag`: the end less what the application was handed or committed.
        public var consumerLag: Int64?

        public init(lowWatermark: Int64? = nil, highWatermark: Int64? = nil, lastStableOffset: Int64? = nil, committedOffset: Int64? = nil, consumerLag: Int64? = nil) {
            self.lowWatermark = lowWatermark
            self.highWatermark = highWatermark
            self.lastStableOffset = lastStableOffset
            self.committedOffset = committedOffset
            self.consumerLag = consumerLag
        }

        /// Records not yet committed: from the committed offset to the partition's end
        /// (`readCommitted`: its last stable offset). With no offset committed yet, a group
        /// that starts at the earliest record (`auto.offset.reset=earliest`, this wrapper's
        /// default) has everything from the low watermark to do. librdkafka's own figure,
        /// which counts records handed out as done, when neither is known.
        public func lag(readCommitted: Bool) -> Int64? {
            let end = readCommitted ? (lastStableOffset ?? highWatermark) : highWatermark
            if let end, let start = committedOffset ?? lowWatermark { return max(0, end - start) }
            return consumerLag
        }
    }

    public var partitions: [TopicPartition: Partition]

    public init(partitions: [TopicPartition: Partition]) {
        self.partitions = partitions
    }

    /// Parses librdkafka's statistics JSON; `nil` when it is not that document.
    public init?(json: UnsafeRawBufferPointer) {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else { return nil }
        var partitions: [TopicPartition: Partition] = [:]
        for (topic, value) in root["topics"] as? [String: Any] ?? [:] {
            for (key, value) in (value as? [String: Any])?["partitions"] as? [String: Any] ?? [:] {
                // Partition -1 is librdkafka's bookkeeping for records not yet partitioned.
                guard let number = Int32(key), number >= 0, let fields = value as? [String: Any] else { continue }
                func offset(_ name: String) -> Int64? {
                    (fields[name] as? NSNumber).map(\.int64Value).flatMap { $0 >= 0 ? $0 : nil }
                }
                partitions[TopicPartition(topic: topic, partition: number)] = Partition(
                    lowWatermark: offset("lo_offset"), highWatermark: offset("hi_offset"), lastStableOffset: offset("ls_offset"),
                    committedOffset: offset("committed_offset"), consumerLag: offset("consumer_lag"))
            }
        }
        self.init(partitions: partitions)
    }
}
