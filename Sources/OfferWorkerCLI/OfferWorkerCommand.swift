import ArgumentParser
import Foundation
import Kafka
import Logging
import OfferEngine
import OfferWorker
import OfferWorkerDemo
import ServiceLifecycle

@main
struct OfferWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offer-worker",
        abstract: "Presents cart upsells and cross-sells from Kafka events and turns accepted offers into cart mutations.",
        subcommands: [Run.self, Broker.self, Demo.self, Offers.self, Record.self, Replay.self, Config.self],
        defaultSubcommand: Run.self)

    /// ArgumentParser's entry point stops at the first unknown flag or unreadable value;
    /// this one reports every mistake of the command line in one run (``CommandLineCheck``).
    static func main() async {
        await CommandLineCheck.main(Self.self, Array(CommandLine.arguments.dropFirst()))
    }
}

struct KafkaOptions: ParsableArguments {
    /// Environment variables with this prefix set librdkafka properties.
    static let environmentPrefix = "OFFER_WORKER_KAFKA_"

    @Option(name: .long, help: "Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS).")
    var bootstrapServers: String?

    @Option(name: [.customShort("X"), .customLong("kafka-property")],
            help: ArgumentHelp("A librdkafka property, passed through unchanged (repeatable). A value written @FILE is read from FILE.", valueName: "key=value"))
    var properties: [String] = []

    @Option(help: ArgumentHelp("A file of librdkafka properties (key=value lines).", valueName: "file"))
    var kafkaProperties: String?

    /// The configuration file's librdkafka properties (its `kafka:` map and `kafka-property:`
    /// list), put here by ``ConfigurationSources`` so they merge per property below the
    /// environment and `-X`.
    @Option(name: .customLong(ConfigurationSources.fileKafkaPropertyOption), help: .hidden)
    var fileProperties: [String] = []

    /// The environment variable of the `--kafka-properties` option, which has the prefix of
    /// librdkafka properties but names none.
    static let propertiesFileVariable = "OFFER_WORKER_KAFKA_PROPERTIES"

    /// The librdkafka properties, from lowest to highest precedence: the properties file,
    /// the configuration file, `OFFER_WORKER_KAFKA_*` environment variables, `-X` flags, then
    /// the bootstrap servers. `@FILE` values are replaced by the file's contents. Every
    /// mistake (a bad line of the file, a `-X` without `=`, an unreadable `@FILE`) is added
    /// to `problems`.
    func configuration(bootstrapOverride: String? = nil, problems: inout [String]) -> KafkaConfiguration {
        sourcedConfiguration(bootstrapOverride: bootstrapOverride, problems: &problems).configuration
    }

    /// ``configuration(bootstrapOverride:problems:)`` with where each property came from
    /// (`file PATH`, `env OFFER_WORKER_KAFKA_SASL_PASSWORD`, `flag -X`,
    /// `--bootstrap-servers`, `env KAFKA_BOOTSTRAP_SERVERS`), for `config print`.
    func sourcedConfiguration(bootstrapOverride: String? = nil, configFile: String? = nil,
                              problems: inout [String]) -> (configuration: KafkaConfiguration, sources: [String: String]) {
        var environment = ProcessInfo.processInfo.environment
        let bootstrapVariable = environment["KAFKA_BOOTSTRAP_SERVERS"]
        environment.removeValue(forKey: Self.propertiesFileVariable)
        var config = KafkaConfiguration()
        var sources: [String: String] = [:]
        func set(_ key: String, _ value: String, from source: String) {
            config[key] = value
            sources[key] = source
        }
        if let kafkaProperties {
            let (read, fileProblems) = KafkaConfiguration.read(propertiesFile: kafkaProperties)
            for (key, value) in read.properties { set(key, value, from: "file \(kafkaProperties)") }
            problems += fileProblems
        }
        for property in fileProperties {
            // Checked for `=` when the file is read.
            guard let eq = property.firstIndex(of: "=") else { continue }
            set(String(property[..<eq]), String(property[property.index(after: eq)...]), from: "file \(configFile ?? "--config")")
        }
        for name in environment.keys.sorted() where name.hasPrefix(Self.environmentPrefix) && name.count > Self.environmentPrefix.count {
            for (key, value) in KafkaConfiguration(environment: [name: environment[name]!], prefix: Self.environmentPrefix).properties {
                set(key, value, from: "env \(name)")
            }
        }
        for property in properties {
            guard let eq = property.firstIndex(of: "="), eq != property.startIndex else {
                problems.append("-X \(property.prefix { $0 != "=" }): expected key=value")
                continue
            }
            set(String(property[..<eq]), String(property[property.index(after: eq)...]), from: "flag -X")
        }
        if let servers = bootstrapOverride {
            set("bootstrap.servers", servers, from: "--embedded")
        } else if let servers = bootstrapServers {
            set("bootstrap.servers", servers, from: "--bootstrap-servers")
        } else if let servers = bootstrapVariable {
            set("bootstrap.servers", servers, from: "env KAFKA_BOOTSTRAP_SERVERS")
        }
        return (config.resolvingFileReferences(problems: &problems), sources)
    }
}

struct TopicOptions: ParsableArguments {
    @Option(help: "Input topic of cart updates.") var cartUpdatedTopic = TopicNames().cartUpdated
    @Option(help: "Input topic of offer acceptances.") var offerAcceptedTopic = TopicNames().offerAccepted
    @Option(help: "Input topic of offer declines (consumed when it exists).") var offerDeclinedTopic = TopicNames().offerDeclined
    @Option(help: "Output topic of presented offers.") var offerPresentedTopic = TopicNames().offerPresented
    @Option(help: "Output topic of cart mutations.") var cartMutationTopic = TopicNames().cartMutation
    @Option(help: "Output topic of rejected acceptances.") var offerRejectedTopic = TopicNames().offerRejected
    @Option(help: "Dead-letter topic for input events that cannot be used.") var deadLetterTopic = TopicNames().deadLetter
    @Option(help: "Compacted changelog topic of the worker's cart state (created when missing).") var stateTopic = TopicNames().changelog

    var names: TopicNames {
        var names = TopicNames()
        names.cartUpdated = cartUpdatedTopic
        names.offerAccepted = offerAcceptedTopic
        names.offerDeclined = offerDeclinedTopic
        names.offerPresented = offerPresentedTopic
        names.cartMutation = cartMutationTopic
        names.offerRejected = offerRejectedTopic
        names.deadLetter = deadLetterTopic
        names.changelog = stateTopic
        return names
    }
}

struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level.")
    var logLevel = Choice(Logger.Level.info)
    @Option(help: "Log format: json is one JSON object per line, for log pipelines.")
    var logFormat = Choice(LogFormat.text)

    enum LogFormat: String, CaseIterable, Sendable { case text, json }

    /// Adds a problem for a level or format that names none.
    func check(into problems: inout [String]) {
        _ = logLevel.value("--log-level", into: &problems)
        _ = logFormat.value("--log-format", into: &problems)
    }

    /// Sets up logging (with the defaults for a level or format that names none: those are
    /// reported by ``check(into:)`` before anything is logged).
    func bootstrap(label: String) -> Logger {
        let level = logLevel.value(or: .info)
        let format = logFormat.value(or: .text)
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            case .json:
                var handler = JSONLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        return Logger(label: label)
    }
}


extension OfferWorkerCommand {
    struct Run: CheckedCommand {
        static let configuration = CommandConfiguration(abstract: "Run the worker as a member of a consumer group.")

        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var topics: TopicOptions
        @OptionGroup var processing: ProcessingOptions
        @OptionGroup var logging: LoggingOptions
        @OptionGroup var file: ConfigFileOption

        @Option(help: "Offer catalog file, JSON or YAML: {\"offers\": [...]}; reloaded when it changes and on SIGHUP.") var offers: String?
        @Option(help: "Compacted Kafka topic of offers (key offerId, value the offer, empty value deletes it), read in full at start.")
        var offersTopic: String?
        @Option(help: "Compacted Kafka topic of product availability (key variantId, value {\"variantId\", \"available\", \"quantity\"?, \"updatedAt\"}, empty value deletes it), read in full at start; without it every item counts as available.")
        var availabilityTopic: String?
        @Option(parsing: .unconditional, help: "Seconds between checks of the offers file for changes (0: only on SIGHUP).")
        var offersReloadInterval: WholeNumber = 5
        @Option(help: "Consumer group id shared by all worker pods.") var groupId = "offer-worker"
        @Option(parsing: .unconditional, help: "Records taken per poll of the input (the loop keeps producing while earlier outputs are in flight).")
        var maxBatchSize: WholeNumber = 500
        @Option(parsing: .unconditional, help: "Serve GET /metrics (Prometheus), /healthz and /readyz on this port (0 picks a free one; off when absent).")
        var metricsPort: WholeNumber?
        @Option(parsing: .unconditional, help: "Offers with their own offer_id label in offer_worker_offer_events_total; the rest are counted as '_other'.")
        var metricsOfferLabels = WholeNumber(integerLiteral: WorkerConfiguration.defaultOfferLabelLimit)
        @Option(parsing: .unconditional, help: "Milliseconds between offset commits (and transactions with --guarantee exactly-once).")
        var commitIntervalMs: WholeNumber = 100
        @Option(help: "Delivery guarantee: exactly-once uses Kafka transactions and needs --transactional-id.")
        var guarantee = Choice(DeliveryGuarantee.atLeastOnce)
        @Option(help: "transactional.id for exactly-once: stable per pod, unique in the group (for example the pod name).")
        var transactionalId: String?
        @Option(parsing: .unconditional, help: "Seconds after SIGTERM/SIGINT within which the worker must have flushed, committed and left the group; then it is cancelled.")
        var shutdownTimeout: WholeNumber = 30
        @Flag(help: "Start even when output topics are missing, because the brokers create topics on first write.")
        var allowAutoCreateTopics = false
        @Flag(help: "Start an embedded Kafka broker in this process (with the topics) instead of connecting to one.")
        var embedded = false
        @Option(parsing: .unconditional, help: "Partitions per topic of the embedded broker.") var partitions: WholeNumber = 6

        /// Stands in for the embedded broker's address while the configuration is checked,
        /// before the broker starts.
        private static let embeddedBootstrapPlaceholder = "embedded:0"

        /// What `run` starts with, once every option is checked.
        private struct Settings {
            var configuration: WorkerConfiguration
            var catalog: OfferCatalog
            var metricsPort: Int?
            var partitions: Int
            var shutdownSeconds: Int
        }

        /// Every problem (flags, Kafka properties, the catalog) is gathered before anything
        /// starts, and thrown together.
        private func settings() throws -> Settings {
            var problems: [String] = []
            if offers == nil && offersTopic == nil {
                problems.append("give the offers: --offers FILE, --offers-topic TOPIC, or both")
            }
            logging.check(into: &problems)
            typealias Bounds = WorkerConfiguration.Bounds
            let reloadSeconds = offersReloadInterval.value("--offers-reload-interval", in: Bounds.catalogReloadSeconds, into: &problems) ?? 0
            let shutdownSeconds = shutdownTimeout.value("--shutdown-timeout", in: Bounds.shutdownTimeoutSeconds, into: &problems) ?? 30
            let port = metricsPort.flatMap { $0.value("--metrics-port", in: Bounds.metricsPort, into: &problems) }
            let partitionCount = partitions.value("--partitions", in: Bounds.embeddedPartitions, into: &problems) ?? 1
            let kafkaConfiguration = kafka.configuration(bootstrapOverride: embedded ? Self.embeddedBootstrapPlaceholder : nil, problems: &problems)
            var configuration = processing.configuration(kafka: kafkaConfiguration, topics: topics.names, problems: &problems)
            // The worker's configuration range-checks these: only their form is checked here.
            func number(_ option: WholeNumber, _ flag: String, _ range: ClosedRange<Int>) -> Int {
                option.parsed(flag, range, into: &problems) ?? range.lowerBound
            }
            configuration.groupId = groupId
            configuration.maxBatchSize = number(maxBatchSize, "--max-batch-size", Bounds.maxBatchSize)
            configuration.offersFile = offers
            configuration.catalogReloadInterval = reloadSeconds > 0 ? .seconds(reloadSeconds) : nil
            configuration.catalogTopic = offersTopic
            configuration.guarantee = guarantee.value("--guarantee", into: &problems) ?? .atLeastOnce
            configuration.transactionalId = transactionalId
            configuration.outputTopicsAutoCreated = allowAutoCreateTopics
            configuration.commitInterval = .milliseconds(number(commitIntervalMs, "--commit-interval-ms", Bounds.commitIntervalMs))
            configuration.offerLabelLimit = number(metricsOfferLabels, "--metrics-offer-labels", Bounds.offerLabelLimit)
            configuration.availabilityTopic = availabilityTopic
            problems += configuration.problems
            var catalog = try OfferCatalog(offers: [])
            if let offers {
                do {
                    catalog = try WorkerRuntime.loadCatalog(path: offers)
                } catch let error as ConfigurationError {
                    problems += error.problems
                }
            }
            // The processing options and the configuration can name the same range problem.
            var seen = Set<String>()
            problems = problems.filter { seen.insert($0).inserted }
            guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
            return Settings(configuration: configuration, catalog: catalog, metricsPort: port, partitions: partitionCount, shutdownSeconds: shutdownSeconds)
        }

        func optionProblems() -> [String] { Self.problems(of: settings) }

        func run() async throws {
            let logger = logging.bootstrap(label: "offer-worker")
            var settings = try settings()
            var services: [any Service] = []
            let readiness = WorkerReadiness()
            if let port = settings.metricsPort { services.append(try await WorkerRuntime.metricsEndpoint(port: port, logger: logger, readiness: readiness)) }
            if embedded {
                let cluster = try EmbeddedKafkaCluster.withWorkerTopics(topics.names, partitions: settings.partitions)
                logger.info("embedded Kafka broker started", metadata: ["bootstrap": "\(cluster.bootstrapServers)"])
                settings.configuration.kafka["bootstrap.servers"] = cluster.bootstrapServers
                services.append(EmbeddedBrokerService(cluster: cluster))
            }
            services.insert(OfferWorker(configuration: settings.configuration, catalog: settings.catalog, logger: logger, readiness: readiness), at: 0)
            do {
                try await WorkerRuntime.runUntilSignalled(services, shutdownDeadline: .seconds(settings.shutdownSeconds), logger: logger)
            } catch let error as KafkaError where error.code == KafkaError.configuration("").code {
                // Found only when a client is created (a combination of properties): reported
                // like every other configuration problem.
                throw ConfigurationError(problems: [error.message])
            }
        }
    }

    struct Broker: CheckedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a standalone embedded Kafka broker with the worker's topics, until SIGINT/SIGTERM.")

        @OptionGroup var topics: TopicOptions
        @OptionGroup var logging: LoggingOptions
        @OptionGroup var file: ConfigFileOption
        @Option(parsing: .unconditional, help: "Partitions per topic.") var partitions: WholeNumber = 6
        @Option(help: "Also write the bootstrap address to this file.") var bootstrapFile: String?

        /// The partition count, once every option is checked.
        private func settings() throws -> Int {
            var problems: [String] = []
            logging.check(into: &problems)
            let partitions = self.partitions.value("--partitions", in: WorkerConfiguration.Bounds.embeddedPartitions, into: &problems)
            guard let partitions, problems.isEmpty else { throw ConfigurationError(problems: problems) }
            return partitions
        }

        func optionProblems() -> [String] { Self.problems(of: settings) }

        func run() async throws {
            let logger = logging.bootstrap(label: "offer-worker.broker")
            let partitions = try settings()
            let cluster = try EmbeddedKafkaCluster.withWorkerTopics(topics.names, partitions: partitions)
            let bootstrapFile = self.bootstrapFile, names = topics.names
            // Published once SIGTERM/SIGINT are handled, so stopping at once is a clean stop.
            let service = EmbeddedBrokerService(cluster: cluster) {
                if let bootstrapFile {
                    try (cluster.bootstrapServers + "\n").write(toFile: bootstrapFile, atomically: true, encoding: .utf8)
                }
                // Unbuffered, so a script reading the address through a pipe sees it at once.
                FileHandle.standardOutput.write(Data((cluster.bootstrapServers + "\n").utf8))
                logger.info("embedded Kafka broker ready", metadata: [
                    "bootstrap": "\(cluster.bootstrapServers)", "topics": "\(names.all)", "partitions": "\(partitions)",
                ])
            }
            try await WorkerRuntime.runUntilSignalled([service], logger: logger)
        }
    }

    struct Demo: CheckedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an upsell and a cross-sell end to end on an embedded broker, then exit.")

        @Option(parsing: .unconditional, help: "Partitions per topic.") var partitions: WholeNumber = 3
        @OptionGroup var file: ConfigFileOption

        private func settings() throws -> Int {
            var problems: [String] = []
            let partitions = self.partitions.value("--partitions", in: WorkerConfiguration.Bounds.embeddedPartitions, into: &problems)
            guard let partitions, problems.isEmpty else { throw ConfigurationError(problems: problems) }
            return partitions
        }

        func optionProblems() -> [String] { Self.problems(of: settings) }

        func run() async throws {
            let partitions = try settings()
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = .warning
                return handler
            }
            try await OfferWorkerDemo.Demo(partitions: partitions).run()
        }
    }

    struct Offers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Work with offer catalogs.", subcommands: [Validate.self, Explain.self])

        struct Validate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Check an offer catalog file and report every problem.")

            @Argument(help: "The catalog file.") var file: String

            func run() async throws {
                do {
                    let catalog = try WorkerRuntime.loadCatalog(path: file)
                    print("\(file): \(catalog.offers.count) offer(s), valid")
                } catch let error as ConfigurationError {
                    for problem in error.problems { print(problem) }
                    throw ExitCode.failure
                }
            }
        }
    }
}
