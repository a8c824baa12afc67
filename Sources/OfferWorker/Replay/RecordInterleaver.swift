import Kafka

/// Merges the records of several partitions into ``ReplayOrder``, as they arrive.
///
/// Records are pushed per partition in their partition's order (from Kafka, or from a
/// recording whose lines are not already in replay order). A record is released only when it
/// is certain to be next: every partition that may still deliver has a record waiting, or has
/// been marked finished. A reader that feeds it pauses the partitions with many records
/// waiting (``buffered(_:)``), so memory stays bounded while a slow partition catches up.
public struct RecordInterleaver: Sendable {
    /// One partition's waiting records: an array consumed from `head`.
    private struct Queue: Sendable {
        var records: [ConsumerRecord] = []
        var head = 0
        var finished = false

        var count: Int { records.count - head }
        var first: ConsumerRecord? { head < records.count ? records[head] : nil }

        mutating func removeFirst() -> ConsumerRecord {
            let record = records[head]
            head += 1
            if head == records.count {
                records.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 4096, head * 2 >= records.count {
                records.removeFirst(head)
                head = 0
            }
            return record
        }
    }

    private var queues: [Queue]
    private var slots: [TopicPartition: Int]
    /// Sort keys of the first waiting record of each queue (`nil` when empty).
    private var heads: [ReplayOrder?]
    /// Unfinished partitions with nothing waiting: while any, nothing is released.
    private var starving: Int
    /// Records waiting in all queues.
    public private(set) var bufferedCount = 0

    /// A merge of `partitions`, every one of which may deliver until marked finished.
    public init(partitions: some Sequence<TopicPartition>) {
        let sorted = Array(Set(partitions)).sorted()
        queues = Array(repeating: Queue(), count: sorted.count)
        heads = Array(repeating: nil, count: sorted.count)
        slots = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, $0) })
        starving = sorted.count
    }

    /// Adds the next record of its partition, which must be one of the merge's and not
    /// finished.
    public mutating func push(_ record: ConsumerRecord) {
        guard let slot = slots[record.topicPartition] else {
            preconditionFailure("\(record.topicPartition) is not one of the merged partitions")
        }
        precondition(!queues[slot].finished, "\(record.topicPartition) was marked finished")
        if queues[slot].count == 0 {
            starving -= 1
            heads[slot] = ReplayOrder(record)
        }
        queues[slot].records.append(record)
        bufferedCount += 1
    }

    /// Marks that `partition` delivers nothing more.
    public mutating func finish(_ partition: TopicPartition) {
        guard let slot = slots[partition], !queues[slot].finished else { return }
        queues[slot].finished = true
        if queues[slot].count == 0 { starving -= 1 }
    }

    /// Whether `partition` was marked finished.
    public func isFinished(_ partition: TopicPartition) -> Bool {
        slots[partition].map { queues[$0].finished } ?? true
    }

    /// Records of `partition` waiting.
    public func buffered(_ partition: TopicPartition) -> Int {
        slots[partition].map { queues[$0].count } ?? 0
    }

    /// The unfinished partitions with nothing waiting: what the merge waits for.
    public var waitingFor: [TopicPartition] {
        slots.filter { !queues[$0.value].finished && queues[$0.value].count == 0 }.map(\.key).sorted()
    }

    /// Whether every partition is finished and every record released.
    public var isExhausted: Bool { starving == 0 && bufferedCount == 0 && queues.allSatisfy(\.finished) }

    /// The next record in replay order, or `nil` when it cannot be known yet (a partition
    /// that may still deliver has nothing waiting) or nothing is left.
    public mutating func next() -> ConsumerRecord? {
        guard starving == 0, bufferedCount > 0 else { return nil }
        var best = -1
        for slot in heads.indices {
            guard let key = heads[slot] else { continue }
            if best < 0 || key < heads[best]! { best = slot }
        }
        let record = queues[best].removeFirst()
        bufferedCount -= 1
        if let next = queues[best].first {
            heads[best] = ReplayOrder(next)
        } else {
            heads[best] = nil
            if !queues[best].finished { starving += 1 }
        }
        return record
    }
}
