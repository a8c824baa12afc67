import Foundation
import Kafka
import Logging
import OfferEngine

/// `offer-worker replay`: runs the worker's processing over recorded traffic — a recording
/// file, or a range of the input topics — with any offer catalog, and writes what the worker
/// would have published (to a recording file, to sandbox topics, or nowhere) with a what-if
/// report per offer.
///
/// Each record goes through ``EventProcessor``, the code `run` executes for every record,
/// with the same cart state store, idle-cart eviction and dead letters, so a replay's
/// outputs are the records the live worker publishes for the same input and catalog: same
/// keys, values, headers and timestamps (output ids derive from the input, times from event
/// time). Records are processed in ``ReplayOrder``, so a replay is deterministic. What a
/// replay does not do: write the state changelog, commit offsets for any group, or touch
/// the live output topics (unless ``Options/writeLiveTopics``).
public final class Replayer {
    /// What to replay, with what, and where the outputs go.
    public struct Options: Sendable {
        /// Where the records come from.
        public enum Input: Sendable, Hashable {
            /// A recording (``RecordingFormat``).
            /// `-` reads standard input (copied to a temporary file first, since a replay
            /// reads its recording twice; see ``StandardInputSpool``).
            case file(String)
            /// The input topics between two bounds, read by assignment.
            case topics(from: RangeBound, to: RangeBound)
        }

        public var input: Input
        /// Kafka properties, topic names and processing settings, as `run` takes them; set
        /// them as the live worker has them for its outputs to be reproduced.
        public var configuration: WorkerConfiguration
        public var catalog: OfferCatalog
        /// How the catalog is named in reports (its file name).
        public var catalogName: String
        /// A second catalog replayed over the same records, for the report only.
        public var baselineCatalog: OfferCatalog?
        public var baselineName: String?
        /// A recording file for the outputs (`-`: standard output).
        public var outputFile: String?
        /// Produce the outputs to topics named with this prefix (`replay.` gives
        /// `replay.offer.presented`, …).
        public var outputTopicPrefix: String?
        /// Produce the outputs to the live output topics. Off unless asked for explicitly.
        public var writeLiveTopics = false
        /// Write the what-if report (``WhatIfSummary``) as JSON to this file.
        public var reportFile: String?
        /// Start each partition's cart state from the changelog as of the range's start
        /// (see ``ChangelogSnapshot``) instead of empty.
        public var stateFromChangelog = false
        /// Progress lines on standard error.
        public var showProgress = true

        public init(input: Input, configuration: WorkerConfiguration, catalog: OfferCatalog, catalogName: String) {
            self.input = input
            self.configuration = configuration
            self.catalog = catalog
            self.catalogName = catalogName
        }

        /// Every problem of the combination, each saying what to fix; empty when it can run.
        public var problems: [String] {
            var problems: [String] = []
            let needsKafka: [String] = [
                { if case .topics = input { "a replay from topics (no --input)" } else { nil } }(),
                stateFromChangelog ? "--state-from-changelog" : nil,
                outputTopicPrefix != nil ? "--output-topic-prefix" : nil,
                writeLiveTopics ? "--write-live-topics" : nil,
            ].compactMap { $0 }
            if !needsKafka.isEmpty, (configuration.kafka["bootstrap.servers"] ?? "").isEmpty {
                problems.append("\(needsKafka.joined(separator: ", ")) needs Kafka: pass --bootstrap-servers or set KAFKA_BOOTSTRAP_SERVERS")
            }
            if !needsKafka.isEmpty { problems += configuration.kafka.problems }
            if let prefix = outputTopicPrefix {
                if writeLiveTopics {
                    problems.append("give --output-topic-prefix or --write-live-topics, not both")
                } else if prefix.isEmpty {
                    problems.append("--output-topic-prefix must not be empty (to write to the live output topics, pass --write-live-topics)")
                } else {
                    let live = Set(configuration.topics.all)
                    let clashes = configuration.topics.outputs.map { prefix + $0 }.filter(live.contains)
                    if !clashes.isEmpty {
                        problems.append("--output-topic-prefix '\(prefix)' names live topics (\(clashes.joined(separator: ", "))): choose another prefix")
                    }
                }
            }
            if outputFile != nil, outputFile == reportFile {
                problems.append("--output and --report must be different files")
            }
            if case .file(let path) = input, path != "-", outputFile == path || reportFile == path {
                problems.append("the replay would overwrite its input \(path)")
            }
            return problems
        }

        /// The topic a live output topic's records go to.
        func outputTopic(_ live: String) -> String {
            outputTopicPrefix.map { $0 + live } ?? live
        }

        var writesTopics: Bool { outputTopicPrefix != nil || writeLiveTopics }
    }

    /// What a replay did.
    public struct Result: Sendable {
        /// The what-if figures (with the baseline's and the difference when one was given).
        public var summary: WhatIfSummary
        /// Input records processed.
        public var records: Int
        /// Outputs written (to the file and/or topics).
        public var outputs: Int
        public var elapsed: Duration
        /// The report as a table, for a terminal.
        public var table: String { WhatIfTable.render(summary) }
        /// Input records per second.
        public var recordsPerSecond: Double {
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return seconds > 0 ? Double(records) / seconds : 0
        }
    }

    private var lanes: [ReplayLane]
    private let sinks: [any ReplayOutputSink]
    private let snapshot: ChangelogSnapshot?
    /// The cut-off for restored state when the range starts at a time.
    private let startTime: Int64?
    private var restored = Set<Int32>()
    private var outputCount = 0

    private init(options: Options, sinks: [any ReplayOutputSink], snapshot: ChangelogSnapshot?) {
        var lanes = [ReplayLane(configuration: options.configuration, catalog: options.catalog, catalogName: options.catalogName)]
        if let baseline = options.baselineCatalog {
            lanes.append(ReplayLane(configuration: options.configuration, catalog: baseline, catalogName: options.baselineName ?? "baseline"))
        }
        self.lanes = lanes
        self.sinks = sinks
        self.snapshot = snapshot
        if case .topics(let from, _) = options.input, case .time(let time) = from {
            startTime = time.millisecondsSinceEpoch
        } else {
            startTime = nil
        }
    }

    /// Replays as `options` say; blocking work runs on a thread of its own. Throws
    /// ``ConfigurationError`` for options that cannot run (every problem at once).
    public static func run(_ options: Options, logger: Logger = Logger(label: "offer-worker.replay")) async throws -> Result {
        var problems = options.problems
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        let topics = options.configuration.topics
        var inputTopics = topics.inputs
        var partitionCounts: [String: Int] = [:]
        let needsMetadata: Bool = {
            if case .topics = options.input { return true }
            return options.writesTopics
        }()
        if needsMetadata {
            let admin = try KafkaAdmin(configuration: options.configuration.kafka, logger: logger)
            let counts = try await admin.partitionCounts()
            partitionCounts = counts
            if counts[topics.offerDeclined] != nil { inputTopics.append(topics.offerDeclined) }
            if case .topics = options.input {
                let missing = topics.inputs.filter { counts[$0] == nil }
                if !missing.isEmpty { problems.append("input topic(s) \(missing.joined(separator: ", ")) do not exist") }
            }
            if options.writesTopics {
                problems += try await ensureOutputTopics(options, counts: counts, admin: admin, logger: logger)
            }
            guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        } else {
            inputTopics.append(topics.offerDeclined)
        }
        let consumed = inputTopics
        let counts = partitionCounts
        let start = ContinuousClock.now
        let (summary, records, outputs) = try await runOnOwnThread(name: "offer-replay") { () throws -> (WhatIfSummary, Int, Int) in
            var sinks: [any ReplayOutputSink] = []
            if let file = options.outputFile { sinks.append(try ReplayFileSink(path: file)) }
            if options.writesTopics {
                sinks.append(try ReplayTopicSink(kafka: options.configuration.kafka, topicName: options.outputTopic, logger: logger))
            }
            let snapshot = options.stateFromChangelog
                ? try ChangelogSnapshot(kafka: options.configuration.kafka, topic: topics.changelog, logger: logger) : nil
            defer { snapshot?.close() }
            let replayer = Replayer(options: options, sinks: sinks, snapshot: snapshot)
            let progress = ReplayProgress(verb: "replay", enabled: options.showProgress)
            switch options.input {
            case .file(let path):
                try replayer.replayFile(path, consumed: Set(consumed), progress: progress, logger: logger)
            case .topics(let from, let to):
                try replayer.replayTopics(
                    consumed, from: from, to: to, kafka: options.configuration.kafka, partitionCounts: counts, progress: progress, logger: logger)
            }
            for sink in sinks { try sink.finish() }
            progress.finish(detail: ", \(replayer.outputCount) outputs")
            let reports = replayer.lanes.map(\.tally.figures)
            return (WhatIfSummary(replay: reports[0], baseline: reports.count > 1 ? reports[1] : nil), progress.count, replayer.outputCount)
        }
        if let reportFile = options.reportFile { try write(summary, to: reportFile) }
        return Result(summary: summary, records: records, outputs: outputs, elapsed: ContinuousClock.now - start)
    }

    // MARK: Sources

    private func replayFile(_ path: String, consumed: Set<String>, progress: ReplayProgress, logger: Logger) throws {
        // Standard input is read twice too: from a copy (see StandardInputSpool).
        let spool = path == "-" ? try StandardInputSpool() : nil
        defer { spool?.remove() }
        let reader = try RecordingReader(path: spool?.path ?? path)
        let index: RecordingIndex
        do {
            index = try RecordingIndex(reader: reader, include: consumed.contains)
        } catch let error as RecordingFormat.LineError {
            throw RecordingIOError(path: spool == nil ? path : StandardInputSpool.name, reason: error.description)
        }
        if !index.skipped.isEmpty {
            logger.notice("records of topics the worker does not consume are skipped", metadata: [
                "topics": "\(index.skipped.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" })",
            ])
        }
        if !index.isOrdered {
            logger.notice("the recording is not in replay order: partitions are merged by timestamp, holding records until their turn", metadata: [
                "firstOutOfOrder": "\(index.firstDisorder.map(String.init(describing:)) ?? "")",
            ])
        }
        progress.totalBytes = reader.size
        var merge = index.isOrdered ? nil : RecordInterleaver(partitions: index.counts.keys)
        let lastLines = index.lastLine
        try reader.forEachLine { line, number, bytesRead in
            let record = try RecordingFormat.decode(line, lineNumber: number).consumerRecord(lineNumber: number)
            guard consumed.contains(record.topic) else { return }
            if merge == nil {
                try replay(record)
            } else {
                merge!.push(record)
                if lastLines[record.topicPartition] == number { merge!.finish(record.topicPartition) }
                while let next = merge!.next() { try replay(next) }
            }
            progress.advance(position: ReplayProgress.position(topic: record.topic, partition: record.partition, offset: record.offset, timestamp: record.timestamp),
                             bytesRead: bytesRead)
        }
    }

    private func replayTopics(
        _ topics: [String], from: RangeBound, to: RangeBound, kafka: KafkaConfiguration, partitionCounts: [String: Int],
        progress: ReplayProgress, logger: Logger
    ) throws {
        let reader = try TopicRangeReader(kafka: kafka, logger: logger)
        defer { reader.close() }
        let ranges = try reader.plan(topics: topics, partitionCounts: partitionCounts, from: from, to: to)
        progress.totalRecords = ranges.reduce(0) { $0 + $1.count }
        logger.info("replaying topic range", metadata: ["ranges": "\(ranges.filter { !$0.isEmpty })"])
        try reader.read(ranges, skipped: progress.skip) { record in
            try replay(record)
            progress.advance(position: ReplayProgress.position(topic: record.topic, partition: record.partition, offset: record.offset, timestamp: record.timestamp))
        }
    }

    // MARK: Processing

    /// One record through every lane; the replayed lane's outputs to the sinks.
    private func replay(_ record: ConsumerRecord) throws {
        if let snapshot, restored.insert(record.partition).inserted {
            let carts = try snapshot.carts(partition: record.partition, before: startTime ?? record.timestamp ?? Int64.max)
            for index in lanes.indices { lanes[index].restore(partition: record.partition, carts: carts) }
        }
        for index in lanes.indices { lanes[index].process(record) }
        for output in lanes[0].outputs {
            for sink in sinks { try sink.write(output) }
            outputCount += 1
        }
    }

    // MARK: Helpers

    /// Makes sure the sandbox topics exist: a missing one is created with the partition
    /// count of the live topic it stands for, so records land on the same partitions.
    private static func ensureOutputTopics(_ options: Options, counts: [String: Int], admin: KafkaAdmin, logger: Logger) async throws -> [String] {
        let topics = options.configuration.topics
        let fallback = counts[topics.cartUpdated] ?? 1
        let missing = topics.outputs.filter { counts[options.outputTopic($0)] == nil }
        guard !missing.isEmpty else { return [] }
        if options.writeLiveTopics {
            return ["output topic(s) \(missing.joined(separator: ", ")) do not exist"]
        }
        let created = missing.map { NewTopic(name: options.outputTopic($0), partitions: counts[$0] ?? fallback, replicationFactor: -1) }
        if await admin.isEmbeddedCluster() {
            // Its CreateTopics requests only time out (see EmbeddedKafkaCluster.isEmbedded).
            return ["sandbox topic(s) \(created.map(\.name).joined(separator: ", ")) do not exist, and the embedded broker cannot create topics once started: write the outputs to a file (--output FILE) instead"]
        }
        logger.info("creating sandbox topics", metadata: ["topics": "\(created.map(\.name))"])
        do {
            try await admin.createTopics(created)
            return []
        } catch {
            return ["sandbox topic(s) \(created.map(\.name).joined(separator: ", ")) do not exist and could not be created (\(error)): create them with the partition counts of the live topics"]
        }
    }

    private static func write(_ summary: WhatIfSummary, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(summary) + Data("\n".utf8)
        do {
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw RecordingIOError(path: path, reason: "cannot be written: \(error.localizedDescription)")
        }
    }
}
