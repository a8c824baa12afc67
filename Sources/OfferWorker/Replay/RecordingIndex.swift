import Kafka

/// What a replay learns from a first reading of a recording, before it processes anything:
/// that every line is valid (so a bad line stops the replay before any output is written),
/// the partitions and where each one's last record is, and whether the lines are already in
/// ``ReplayOrder`` (then the second reading processes them as they come, in constant
/// memory; otherwise it merges the partitions, holding records until their turn).
struct RecordingIndex {
    /// Records per partition.
    let counts: [TopicPartition: Int]
    /// The line number of each partition's last record.
    let lastLine: [TopicPartition: Int]
    let records: Int
    let isOrdered: Bool
    /// The first record out of replay order, when the lines are not in it.
    let firstDisorder: ReplayOrder?
    /// Records of topics a replay does not process, by topic.
    let skipped: [String: Int]

    /// Reads the whole recording. `include` says which topics a replay processes; the
    /// others are counted in ``skipped``.
    init(reader: RecordingReader, include: (String) -> Bool) throws {
        var check = ReplayOrder.Check()
        var counts: [TopicPartition: Int] = [:]
        var lastLine: [TopicPartition: Int] = [:]
        var skipped: [String: Int] = [:]
        var records = 0
        try reader.forEachLine { line, number, _ in
            let record = try RecordingFormat.decode(line, lineNumber: number).consumerRecord(lineNumber: number)
            guard include(record.topic) else {
                skipped[record.topic, default: 0] += 1
                return
            }
            records += 1
            counts[record.topicPartition, default: 0] += 1
            lastLine[record.topicPartition] = number
            check.observe(ReplayOrder(record))
        }
        self.counts = counts
        self.lastLine = lastLine
        self.skipped = skipped
        self.records = records
        isOrdered = check.isOrdered
        firstDisorder = check.firstDisorder
    }
}
