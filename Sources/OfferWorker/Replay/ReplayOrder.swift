import Kafka

/// The order a replay processes records in, which makes it deterministic.
///
/// Within a partition (a topic and partition number), records keep the order of the
/// recording (Kafka's offset order for a topic range), whatever their timestamps. Partitions
/// are interleaved by record timestamp: the next record processed is, among the first
/// unprocessed record of every partition, the one with the earliest timestamp; ties go to
/// the topic name, then the partition number, then the offset (a record without a timestamp
/// counts as the earliest). It is a merge of the partitions, so the same recording always
/// gives the same order, however its lines or Kafka's fetches happened to interleave.
///
/// This is also as close as one can get to what a live worker saw: it processes each
/// partition in offset order and, fed in real time, sees the topics of a cart's partition
/// in roughly timestamp order.
public struct ReplayOrder: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var timestamp: Int64
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(timestamp: Int64?, topic: String, partition: Int32, offset: Int64) {
        self.timestamp = timestamp ?? Int64.min
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// The sort key of `record`.
    public init(_ record: ConsumerRecord) {
        self.init(timestamp: record.timestamp, topic: record.topic, partition: record.partition, offset: record.offset)
    }

    public static func < (lhs: ReplayOrder, rhs: ReplayOrder) -> Bool {
        if lhs.timestamp != rhs.timestamp { return lhs.timestamp < rhs.timestamp }
        if lhs.topic != rhs.topic { return lhs.topic < rhs.topic }
        if lhs.partition != rhs.partition { return lhs.partition < rhs.partition }
        return lhs.offset < rhs.offset
    }

    public var description: String { "\(topic)[\(partition)]@\(offset)" }

    /// Tells whether a sequence of records is already in replay order, one record at a time
    /// and in memory proportional to the number of partitions: then a recording can be
    /// replayed as it is read, without buffering. (`offer-worker record` writes recordings in
    /// this order.)
    ///
    /// A sequence is the merge of its partitions exactly when each record sorts after every
    /// record of another partition read since its own partition's previous record (or since
    /// the start, for a partition's first record).
    public struct Check: Sendable {
        /// Per partition: the greatest key of other partitions' records since its last record.
        private var othersSince: [TopicPartition: ReplayOrder?] = [:]
        /// The greatest key so far, which a partition seen for the first time must follow.
        private var greatest: ReplayOrder?
        /// Whether every record so far kept the order.
        public private(set) var isOrdered = true
        /// The first record that broke the order, for a log line.
        public private(set) var firstDisorder: ReplayOrder?

        public init() {}

        public mutating func observe(_ key: ReplayOrder) {
            let partition = TopicPartition(topic: key.topic, partition: key.partition)
            let bound: ReplayOrder? = othersSince[partition] ?? greatest
            if isOrdered, let bound, !(bound < key) {
                isOrdered = false
                firstDisorder = key
            }
            guard isOrdered else { return }
            for (other, since) in othersSince where other != partition {
                if since.map({ $0 < key }) ?? true { othersSince[other] = key }
            }
            othersSince[partition] = .some(nil)
            if greatest.map({ $0 < key }) ?? true { greatest = key }
        }
    }
}
