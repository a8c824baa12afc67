import Kafka
import Logging

/// How many records a topic received and how large their values are, read back after a run.
struct TopicStatistics {
    /// Records ever written (the sum of the partitions' end offsets).
    var records: Int64
    /// Records still stored and read (the embedded broker keeps about 5 MB per partition).
    var read: Int
    var valueBytes: Int

    /// Mean value size of the records read.
    var meanValue: Double { read == 0 ? 0 : Double(valueBytes) / Double(read) }
    /// Value bytes of every record written, from the mean of those read.
    var estimatedBytes: Int { Int(meanValue * Double(records)) }

    /// Reads topics of `partitions` partitions outside any group.
    struct Reader {
        let kafka: KafkaConfiguration
        let partitions: Int
        let logger: Logger

        /// Records ever written to `topic`.
        func written(_ topic: String) throws -> Int64 {
            let consumer = try KafkaConsumer(configuration: kafka.merging(["group.id": "statistics"]), logger: logger)
            defer { consumer.closeBlocking() }
            return try (0..<Int32(partitions)).reduce(0) { total, partition in
                total + (try consumer.watermarksBlocking(of: TopicPartition(topic: topic, partition: partition)).high)
            }
        }

        /// Every stored record of `topic`, read to its end.
        func read(_ topic: String, timeout: Duration = .seconds(30)) throws -> TopicStatistics {
            let consumer = try KafkaConsumer(configuration: kafka.merging(["group.id": "statistics"]), logger: logger)
            defer { consumer.closeBlocking() }
            var written: Int64 = 0
            var stored: Int64 = 0
            var starts: [TopicPartition: Int64] = [:]
            for partition in 0..<Int32(partitions) {
                let tp = TopicPartition(topic: topic, partition: partition)
                let (low, high) = try consumer.watermarksBlocking(of: tp)
                written += high
                stored += high - low
                starts[tp] = low
            }
            try consumer.assign(starts)
            var read = 0
            var bytes = 0
            let deadline = ContinuousClock.now + timeout
            while read < stored {
                guard ContinuousClock.now < deadline else { throw BenchmarkError("reading \(topic): \(read) of \(stored) records in \(timeout)") }
                for case .records(let records) in try consumer.pollBlocking(maxRecords: 5_000, timeout: .milliseconds(100)) {
                    read += records.count
                    bytes += records.reduce(0) { $0 + ($1.value?.count ?? 0) }
                }
            }
            return TopicStatistics(records: written, read: read, valueBytes: bytes)
        }
    }
}
