import ArgumentParser
import Foundation
import Kafka
import Logging
import OfferEngine
import OfferWorker

/// The processing settings that change what the worker publishes, declared once for `run`
/// and `replay`: a replay given the live worker's settings reproduces its outputs.
struct ProcessingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "At most this many offers are presented per cart event.")
    var maxOffersPerCart: WholeNumber = 3
    @Option(help: "CloudEvents source attribute of the outputs.") var eventSource = "/offer-worker"
    @Option(parsing: .unconditional, help: "Input events larger than this many bytes go to the dead-letter topic.")
    var maxEventBytes = WholeNumber(integerLiteral: EventLimits().maxBytes)
    @Option(parsing: .unconditional, help: "Carts with more lines than this go to the dead-letter topic.")
    var maxCartLines = WholeNumber(integerLiteral: EventLimits().maxLines)
    @Option(parsing: .unconditional, help: "Carts with no event for this many seconds (event time) are forgotten.")
    var cartIdleSeconds: WholeNumber = 86_400
    @Option(parsing: .unconditional, help: "Seconds a presentation is remembered after it expires (late acceptances are answered 'expired').")
    var presentationRetentionSeconds: WholeNumber = 3600
    @Option(parsing: .unconditional, help: "Events whose occurredAt is more than this many seconds ahead of their record timestamp go to the dead-letter topic.")
    var maxEventTimeAhead: WholeNumber = 3600
    @Option(parsing: .unconditional, help: "Events whose occurredAt is more than this many seconds behind their record timestamp go to the dead-letter topic.")
    var maxEventTimeBehind: WholeNumber = 3600

    /// The worker configuration these settings give, every bad number added to `problems`.
    func configuration(kafka: KafkaConfiguration, topics: TopicNames, problems: inout [String]) -> WorkerConfiguration {
        typealias Bounds = WorkerConfiguration.Bounds
        func number(_ option: WholeNumber, _ flag: String, _ range: ClosedRange<Int>) -> Int {
            option.value(flag, in: range, into: &problems) ?? range.lowerBound
        }
        var configuration = WorkerConfiguration(
            kafka: kafka, topics: topics,
            maxOffersPerCart: number(maxOffersPerCart, "--max-offers-per-cart", Bounds.maxOffersPerCart),
            eventSource: eventSource,
            limits: EventLimits(maxBytes: number(maxEventBytes, "--max-event-bytes", Bounds.maxEventBytes),
                                maxLines: number(maxCartLines, "--max-cart-lines", Bounds.maxCartLines)),
            cartIdleSeconds: number(cartIdleSeconds, "--cart-idle-seconds", Bounds.cartIdleSeconds),
            presentationRetentionSeconds: number(presentationRetentionSeconds, "--presentation-retention-seconds", Bounds.presentationRetentionSeconds))
        configuration.maxEventTimeAhead = number(maxEventTimeAhead, "--max-event-time-ahead", Bounds.eventTimeSkewSeconds)
        configuration.maxEventTimeBehind = number(maxEventTimeBehind, "--max-event-time-behind", Bounds.eventTimeSkewSeconds)
        if eventSource.isEmpty { problems.append("--event-source must not be empty") }
        return configuration
    }
}

/// `--from` / `--to` as typed, read together with every other option.
private func bound(_ text: String, _ flag: String, into problems: inout [String]) -> RangeBound {
    if let bound = RangeBound(parsing: text) { return bound }
    problems.append("\(flag) must be earliest, latest, an offset or an RFC 3339 time such as 2026-11-24T10:00:00Z (got '\(text)')")
    return .earliest
}

extension OfferWorkerCommand {
    struct Record: CheckedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a range of topics to a recording file (JSON Lines), for replay.",
            discussion: """
            Reads every partition of the topics by assignment: no consumer group is joined and no offset \
            is committed. The range is half-open: --from is the first record taken, --to the first left \
            out, in every partition; a time selects from the first record whose timestamp is at or after \
            it (Kafka's offsets-for-times). Lines are written in replay order (partitions merged by \
            record timestamp), so the same range always gives the same file.

            Each line is one record: {"topic":…,"partition":…,"offset":…,"timestamp":…,"key":…,"value":…,"headers":[[name,value]]}. \
            Keys, values and header values that are not UTF-8 are kept as base64 (keyBase64, valueBase64, [name,null,base64]).

            Example:
              offer-worker record --bootstrap-servers kafka:9092 --from 2026-11-17T00:00:00Z --to 2026-11-24T00:00:00Z --output last-week.jsonl
            """)

        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var logging: LoggingOptions
        @OptionGroup var file: ConfigFileOption
        @Option(help: ArgumentHelp("Topics to record, comma-separated (default: the worker's inputs, offer.declined when it exists).", valueName: "t1,t2"))
        var topics: String?
        @Option(help: ArgumentHelp("First record taken: earliest, an offset (every partition) or an RFC 3339 time.", valueName: "earliest|offset|time"))
        var from = "earliest"
        @Option(help: ArgumentHelp("First record left out: latest (the end when the command starts), an offset or an RFC 3339 time.", valueName: "latest|offset|time"))
        var to = "latest"
        // Optional to the parser so that its absence is one problem among the others of the run.
        @Option(help: ArgumentHelp("The recording file (- for standard output). Required.", valueName: "file")) var output: String?
        @Flag(help: "No progress on standard error.") var quiet = false

        /// The recorder's options, once every option is checked.
        private func settings() throws -> Recorder.Options {
            var problems: [String] = []
            logging.check(into: &problems)
            if output == nil { problems.append("give the recording file: --output FILE (- for standard output)") }
            var options = Recorder.Options(kafka: kafka.configuration(problems: &problems), output: output ?? "-")
            options.topics = topics.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
            options.from = bound(from, "--from", into: &problems)
            options.to = bound(to, "--to", into: &problems)
            options.showProgress = !quiet
            guard problems.isEmpty else { throw ConfigurationError(problems: problems + options.problems) }
            return options
        }

        func optionProblems() -> [String] { Self.problems(of: settings) }

        func run() async throws {
            let logger = logging.bootstrap(label: "offer-worker.record")
            let options = try settings()
            do {
                _ = try await Recorder.record(options, logger: logger)
            } catch let error as KafkaError where error.code == KafkaError.configuration("").code {
                throw ConfigurationError(problems: [error.message])
            }
        }
    }

    struct Replay: CheckedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the worker's processing over recorded traffic with any offer catalog, and report what it would have published.",
            discussion: """
            Input: a recording (--input FILE, from offer-worker record; --input - reads standard \
            input, copied to a temporary file that is deleted afterwards, since the recording is read \
            twice: to check and index it, then to process it), or the input topics between \
            --from and --to read from --bootstrap-servers (by assignment: no group is joined, no offset \
            committed). Every record goes through the exact code `run` executes (cart state, idle-cart \
            eviction, dead letters), so the outputs are the records the live worker publishes for the \
            same input, catalog and settings: same keys, values, headers and timestamps.

            Order: within a partition, the recording's order (offsets); partitions are interleaved by \
            record timestamp, ties broken by topic, partition and offset. So the same recording and \
            catalog always give byte-identical outputs. Idle carts are forgotten after every record \
            (the live worker does it after each poll batch).

            State starts empty; with --state-from-changelog each partition's carts come from the state \
            topic as of the range's start (the changelog records older than --from's time, or than the \
            partition's first replayed record).

            Outputs go to --output FILE (the recording format; partition and offset null), and/or to \
            sandbox topics named --output-topic-prefix + the output topic (created with the live \
            topics' partition counts when missing). The live output topics are never written unless \
            --write-live-topics is given. The state changelog is never written.

            The report (a table on standard output, and --report FILE.json): per offer, presentations, \
            acceptances honoured, rejections by reason, declines and presented value per currency; with \
            --baseline-offers, the same replay with the baseline catalog beside it and the difference.

            Examples:
              offer-worker replay --input last-week.jsonl --offers new-offers.json --baseline-offers offers.json --report what-if.json
              offer-worker replay --bootstrap-servers kafka:9092 --from 2026-11-24T09:00:00Z --to 2026-11-24T10:00:00Z \\
                --offers offers.json --state-from-changelog --output-topic-prefix replay.
            """)

        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var topics: TopicOptions
        @OptionGroup var processing: ProcessingOptions
        @OptionGroup var logging: LoggingOptions
        @OptionGroup var file: ConfigFileOption

        @Option(help: ArgumentHelp("A recording to replay (- for standard input, copied to a temporary file first: a replay reads its recording twice); without it, the input topics are read from Kafka.", valueName: "file"))
        var input: String?
        @Option(help: ArgumentHelp("Reading topics: the first record taken, earliest, an offset or an RFC 3339 time.", valueName: "earliest|offset|time"))
        var from: String?
        @Option(help: ArgumentHelp("Reading topics: the first record left out, latest, an offset or an RFC 3339 time.", valueName: "latest|offset|time"))
        var to: String?
        // Optional to the parser so that its absence is one problem among the others of the run.
        @Option(help: ArgumentHelp("The offer catalog to replay with, JSON or YAML. Required.", valueName: "file")) var offers: String?
        @Option(help: ArgumentHelp("A second catalog replayed over the same records, for comparison in the report.", valueName: "file"))
        var baselineOffers: String?
        @Option(help: ArgumentHelp("Write the outputs to this recording file (- for standard output).", valueName: "file"))
        var output: String?
        @Option(help: ArgumentHelp("Produce the outputs to sandbox topics: this prefix + the output topic's name.", valueName: "prefix"))
        var outputTopicPrefix: String?
        @Flag(help: "Produce the outputs to the live output topics (only with this flag).") var writeLiveTopics = false
        @Option(help: ArgumentHelp("Write the what-if report as JSON to this file.", valueName: "file")) var report: String?
        @Flag(help: "Start each partition's cart state from the state topic as of the range's start.") var stateFromChangelog = false
        @Flag(help: "No progress on standard error.") var quiet = false

        /// The replayer's options, once every option is checked.
        private func settings() throws -> Replayer.Options {
            var problems: [String] = []
            logging.check(into: &problems)
            let kafkaConfiguration = kafka.configuration(problems: &problems)
            let configuration = processing.configuration(kafka: kafkaConfiguration, topics: topics.names, problems: &problems)
            let source: Replayer.Options.Input
            if let input {
                if from != nil || to != nil { problems.append("--from and --to select a range of topics; a recording (--input) is replayed whole") }
                source = .file(input)
            } else {
                source = .topics(from: bound(from ?? "earliest", "--from", into: &problems), to: bound(to ?? "latest", "--to", into: &problems))
            }
            func load(_ path: String) -> OfferCatalog? {
                do { return try WorkerRuntime.loadCatalog(path: path) } catch let error as ConfigurationError {
                    problems += error.problems
                } catch {
                    problems.append("\(path): \(error)")
                }
                return nil
            }
            if offers == nil { problems.append("give the catalog to replay with: --offers FILE") }
            let catalog = try offers.flatMap(load) ?? OfferCatalog(offers: [])
            let baseline = baselineOffers.flatMap(load)
            var options = Replayer.Options(
                input: source, configuration: configuration, catalog: catalog,
                catalogName: ((offers ?? "") as NSString).lastPathComponent)
            if let baseline, let baselineOffers {
                options.baselineCatalog = baseline
                options.baselineName = (baselineOffers as NSString).lastPathComponent
            }
            options.outputFile = output
            options.outputTopicPrefix = outputTopicPrefix
            options.writeLiveTopics = writeLiveTopics
            options.reportFile = report
            options.stateFromChangelog = stateFromChangelog
            options.showProgress = !quiet
            problems += options.problems
            guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
            return options
        }

        func optionProblems() -> [String] { Self.problems(of: settings) }

        func run() async throws {
            let logger = logging.bootstrap(label: "offer-worker.replay")
            let options = try settings()
            let result: Replayer.Result
            do {
                result = try await Replayer.run(options, logger: logger)
            } catch let error as KafkaError where error.code == KafkaError.configuration("").code {
                throw ConfigurationError(problems: [error.message])
            }
            // The outputs own standard output when they are written there.
            let table = Data(result.table.utf8)
            if output == "-" { FileHandle.standardError.write(table) } else { FileHandle.standardOutput.write(table) }
        }
    }
}
