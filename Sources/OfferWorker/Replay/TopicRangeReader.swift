import Kafka
import Logging
import OfferEngine

/// Reads a range of one or more topics in ``ReplayOrder``, by assignment: it never joins a
/// consumer group and never commits an offset, so no group's position (the live worker's
/// included) moves. `offer-worker record` and `replay` from topics read through it.
///
/// Every method blocks its thread; run it off Swift's cooperative pool.
final class TopicRangeReader {
    /// What to read of one partition: offsets `start..<end`, narrowed by timestamps when the
    /// broker cannot look offsets up by time.
    struct PartitionRange: Sendable, Hashable, CustomStringConvertible {
        var partition: TopicPartition
        var start: Int64
        /// The first offset not read (exclusive).
        var end: Int64
        /// Records before the first one with a timestamp at or after this are skipped.
        var skipBefore: Int64?
        /// The first record with a timestamp at or after this ends the partition's range.
        var stopAt: Int64?

        var isEmpty: Bool { end <= start }
        var count: Int64 { max(0, end - start) }
        var description: String { "\(partition) \(start)..<\(end)" }
    }

    /// The group id librdkafka's consumer API requires; nothing joins or commits with it.
    static let groupId = "offer-worker-replay-reader"

    private let consumer: KafkaConsumer
    private let logger: Logger
    /// Records waiting per partition above which the partition's fetching pauses.
    private let pauseAbove: Int
    /// How long the read may make no progress before it fails.
    private let stallTimeout: Duration

    init(kafka: KafkaConfiguration, logger: Logger, pauseAbove: Int = 20_000, stallTimeout: Duration = .seconds(60)) throws(KafkaError) {
        // Read what the worker reads (committed transactions only), unless told otherwise.
        let defaults = KafkaConfiguration(["isolation.level": "read_committed"])
        consumer = try KafkaConsumer(
            configuration: defaults.merging(kafka.forConsumer().properties).merging([
                "group.id": Self.groupId, "enable.auto.commit": "false", "enable.auto.offset.store": "false",
            ]),
            logger: logger)
        self.logger = logger
        self.pauseAbove = pauseAbove
        self.stallTimeout = stallTimeout
    }

    /// The ranges of every partition of `topics` between `from` and `to` (see
    /// ``RangeBound``), taken from the partitions' watermarks now and, for times, Kafka's
    /// offsets-for-times. A broker that cannot look offsets up by time (it answers none even
    /// for time zero on a partition that holds records; librdkafka's mock cluster is one) is
    /// read from the partition's start instead, the records selected by their timestamps,
    /// which selects the same records.
    func plan(topics: [String], partitionCounts: [String: Int], from: RangeBound, to: RangeBound) throws(KafkaError) -> [PartitionRange] {
        var partitions: [TopicPartition] = []
        for topic in topics {
            guard let count = partitionCounts[topic] else { throw .configuration("topic \(topic) does not exist") }
            partitions += (0..<Int32(count)).map { TopicPartition(topic: topic, partition: $0) }
        }
        var watermarks: [TopicPartition: (low: Int64, high: Int64)] = [:]
        for partition in partitions { watermarks[partition] = try consumer.watermarksBlocking(of: partition) }
        let nonEmpty = partitions.filter { watermarks[$0]!.high > watermarks[$0]!.low }

        func lookUp(_ time: EventTime) throws(KafkaError) -> [TopicPartition: Int64?] {
            try consumer.offsetsForTimesBlocking(Dictionary(uniqueKeysWithValues: nonEmpty.map { ($0, time.millisecondsSinceEpoch) }))
        }
        var byTime = true
        if case .time = from { byTime = try timeLookupWorks(nonEmpty) } else if case .time = to { byTime = try timeLookupWorks(nonEmpty) }
        if !byTime {
            logger.notice("the broker does not look offsets up by time: partitions are read from their start and records selected by timestamp")
        }
        let fromOffsets: [TopicPartition: Int64?] = if case .time(let time) = from, byTime { try lookUp(time) } else { [:] }
        let toOffsets: [TopicPartition: Int64?] = if case .time(let time) = to, byTime { try lookUp(time) } else { [:] }

        return partitions.map { partition in
            let (low, high) = watermarks[partition]!
            var range = PartitionRange(partition: partition, start: low, end: high)
            switch from {
            case .earliest: range.start = low
            case .latest: range.start = high
            case .offset(let offset): range.start = min(max(offset, low), high)
            case .time(let time):
                range.skipBefore = time.millisecondsSinceEpoch
                if byTime { range.start = (fromOffsets[partition] ?? nil) ?? high }
            }
            switch to {
            case .earliest: range.end = low
            case .latest: range.end = high
            case .offset(let offset): range.end = min(max(offset, low), high)
            case .time(let time):
                range.stopAt = time.millisecondsSinceEpoch
                if byTime { range.end = (toOffsets[partition] ?? nil) ?? high }
            }
            return range
        }
    }

    /// Whether the broker answers offsets-for-times: asked for time zero, a partition that
    /// holds records has an answer.
    private func timeLookupWorks(_ nonEmpty: [TopicPartition]) throws(KafkaError) -> Bool {
        guard let probe = nonEmpty.first else { return true }
        return (try consumer.offsetsForTimesBlocking([probe: 0])[probe] ?? nil) != nil
    }

    /// Reads `ranges` and calls `body` with each record in ``ReplayOrder``. `skipped` is told
    /// of records read but left out by a timestamp bound (for progress).
    func read(_ ranges: [PartitionRange], skipped: (Int) -> Void = { _ in }, _ body: (ConsumerRecord) throws -> Void) throws {
        let active = ranges.filter { !$0.isEmpty }
        guard !active.isEmpty else { return }
        var states = Dictionary(uniqueKeysWithValues: active.map { ($0.partition, $0) })
        var started = Set<TopicPartition>()
        var paused = Set<TopicPartition>()
        var merge = RecordInterleaver(partitions: active.map(\.partition))
        try consumer.assign(Dictionary(uniqueKeysWithValues: active.map { ($0.partition, $0.start) }))
        defer { try? consumer.assign([]) }

        func finish(_ partition: TopicPartition) {
            merge.finish(partition)
            states.removeValue(forKey: partition)
            if !paused.contains(partition) {
                try? consumer.pause([partition])
                paused.insert(partition)
            }
        }

        var lastProgress = ContinuousClock.now
        var lastPositionCheck = ContinuousClock.now
        while !merge.isExhausted {
            let events = try consumer.pollBlocking(maxRecords: 5000, timeout: .milliseconds(100))
            if let fatal = consumer.fatalError { throw fatal }
            var progressed = false
            for case .records(let records) in events {
                var left = 0
                for record in records {
                    let partition = record.topicPartition
                    guard let range = states[partition], record.offset >= range.start else { continue }
                    progressed = true
                    if record.offset >= range.end { finish(partition); continue }
                    if let stopAt = range.stopAt, (record.timestamp ?? Int64.min) >= stopAt { finish(partition); continue }
                    if let skipBefore = range.skipBefore, !started.contains(partition) {
                        if (record.timestamp ?? Int64.min) < skipBefore { left += 1 } else { started.insert(partition) }
                    }
                    if range.skipBefore == nil || started.contains(partition) { merge.push(record) }
                    if record.offset + 1 >= range.end { finish(partition) }
                }
                if left > 0 { skipped(left) }
            }
            // The end may carry no record (a transaction marker, a compaction gap): the
            // consumer's position tells.
            let waiting = merge.waitingFor
            if !waiting.isEmpty, !progressed || ContinuousClock.now - lastPositionCheck > .seconds(1) {
                lastPositionCheck = ContinuousClock.now
                for (partition, position) in try consumer.positions(waiting) {
                    if let position, let end = states[partition]?.end, position >= end {
                        finish(partition)
                        progressed = true
                    }
                }
            }
            while let record = merge.next() {
                try body(record)
                progressed = true
            }
            // Bounded memory: a partition far ahead of the others waits for them.
            for partition in Array(states.keys) {
                let count = merge.buffered(partition)
                if count > pauseAbove, !paused.contains(partition) {
                    try consumer.pause([partition])
                    paused.insert(partition)
                } else if count < pauseAbove / 4, paused.contains(partition) {
                    try consumer.resume([partition])
                    paused.remove(partition)
                }
            }
            if progressed {
                lastProgress = ContinuousClock.now
            } else if ContinuousClock.now - lastProgress > stallTimeout {
                let stuck = merge.waitingFor.map { partition in "\(partition) (expected up to offset \(states[partition]?.end ?? -1))" }
                throw KafkaError.timedOut("no record arrived for \(stallTimeout) from \(stuck.joined(separator: ", "))")
            }
        }
    }

    /// Leaves nothing behind: no group was joined, no offset is committed.
    func close() {
        consumer.closeBlocking()
    }
}
