import Kafka
import Logging

/// `offer-worker record`: copies a range of one or more topics to a recording
/// (``RecordingFormat``), for `replay` later, elsewhere, or on a laptop.
///
/// It reads by assignment, so it never joins a consumer group or commits an offset: the live
/// worker's group is untouched. The recording is written in ``ReplayOrder`` (partitions
/// merged by record timestamp), so the same range always gives the same file and a replay
/// reads it in constant memory.
public enum Recorder {
    /// What to record and where.
    public struct Options: Sendable {
        /// librdkafka properties; needs `bootstrap.servers`.
        public var kafka: KafkaConfiguration
        /// The topics to record; `nil`: the worker's inputs (``TopicNames/inputs``, and
        /// `offer.declined` when it exists).
        public var topics: [String]?
        /// The worker's topic names, for the default `topics`.
        public var workerTopics = TopicNames()
        public var from: RangeBound = .earliest
        public var to: RangeBound = .latest
        /// The recording file; `-` is standard output.
        public var output: String
        /// Progress lines on standard error.
        public var showProgress = true

        public init(kafka: KafkaConfiguration, output: String) {
            self.kafka = kafka
            self.output = output
        }

        /// Every problem of the options, each saying what to fix.
        public var problems: [String] {
            var problems: [String] = []
            if (kafka["bootstrap.servers"] ?? "").isEmpty {
                problems.append("no Kafka bootstrap servers: pass --bootstrap-servers or set KAFKA_BOOTSTRAP_SERVERS")
            }
            problems += kafka.problems
            if let topics {
                if topics.isEmpty || topics.contains(where: \.isEmpty) { problems.append("--topics must name topics, separated by commas") }
                let doubled = Dictionary(grouping: topics, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
                if !doubled.isEmpty { problems.append("--topics names \(doubled.joined(separator: ", ")) more than once") }
            }
            if output.isEmpty { problems.append("--output must name a file (or - for standard output)") }
            return problems
        }
    }

    /// What was recorded.
    public struct Result: Sendable {
        public var records: Int
        public var bytes: Int
        /// The partitions read, with the offsets `start..<end` planned for each.
        public var ranges: [String]
        public var elapsed: Duration
    }

    /// Records as `options` say. Throws ``ConfigurationError`` for options that cannot run
    /// (every problem at once), and when a topic does not exist.
    public static func record(_ options: Options, logger: Logger = Logger(label: "offer-worker.record")) async throws -> Result {
        var problems = options.problems
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        let counts = try await KafkaAdmin(configuration: options.kafka, logger: logger).partitionCounts()
        let topics: [String] = options.topics ?? {
            let names = options.workerTopics
            return names.inputs + (counts[names.offerDeclined] != nil ? [names.offerDeclined] : [])
        }()
        let missing = topics.filter { counts[$0] == nil }
        if !missing.isEmpty { problems.append("topic(s) \(missing.joined(separator: ", ")) do not exist") }
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }

        let start = ContinuousClock.now
        return try await runOnOwnThread(name: "offer-record") { () throws -> Result in
            let reader = try TopicRangeReader(kafka: options.kafka, logger: logger)
            defer { reader.close() }
            let ranges = try reader.plan(topics: topics, partitionCounts: counts, from: options.from, to: options.to)
            logger.info("recording", metadata: ["ranges": "\(ranges.filter { !$0.isEmpty })", "output": "\(options.output)"])
            let writer = try RecordingWriter(path: options.output)
            let progress = ReplayProgress(verb: "record", enabled: options.showProgress)
            progress.totalRecords = ranges.reduce(0) { $0 + $1.count }
            try reader.read(ranges, skipped: progress.skip) { record in
                try writer.write(RecordingFormat.Line(record))
                progress.advance(position: ReplayProgress.position(topic: record.topic, partition: record.partition, offset: record.offset, timestamp: record.timestamp))
            }
            try writer.close()
            progress.finish(detail: ", \(writer.bytes) bytes to \(options.output)")
            return Result(records: writer.lines, bytes: writer.bytes, ranges: ranges.map(\.description), elapsed: ContinuousClock.now - start)
        }
    }
}
