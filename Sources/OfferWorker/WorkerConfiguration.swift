import Kafka
import OfferEngine

/// The names of the topics the worker reads and writes.
public struct TopicNames: Sendable, Hashable {
    /// Input: carts as they change.
    public var cartUpdated = "cart.updated"
    /// Input: shoppers accepting a presented offer.
    public var offerAccepted = "offer.accepted"
    /// Optional input: shoppers declining a presented offer (consumed when the topic exists).
    public var offerDeclined = "offer.declined"
    /// Output: offers to show.
    public var offerPresented = "offer.presented"
    /// Output: what to change in a cart after an acceptance.
    public var cartMutation = "cart.mutation"
    /// Output: acceptances that cannot be honoured.
    public var offerRejected = "offer.rejected"
    /// Output: input events that cannot be used, unchanged, with the reason in headers.
    public var deadLetter = "offer-worker.dlq"
    /// The worker's own compacted changelog of cart state (key cartId), partitioned like the
    /// inputs; it lets a partition's state follow the partition from pod to pod.
    public var changelog = "offer-worker.cart-state"

    public init() {}

    /// The topics the worker consumes, keyed and partitioned alike by cartId.
    public var inputs: [String] { [cartUpdated, offerAccepted] }

    /// The topics the worker produces to.
    public var outputs: [String] { [offerPresented, cartMutation, offerRejected, deadLetter] }

    /// Every topic the worker uses.
    public var all: [String] { inputs + [offerDeclined] + outputs + [changelog] }
}

/// How the worker delivers its outputs.
public enum DeliveryGuarantee: String, Sendable, Hashable, CaseIterable {
    /// Outputs, then the changelog, then offsets, each acknowledged before the next: a crash
    /// re-processes, with the same output ids.
    case atLeastOnce = "at-least-once"
    /// Outputs, changelog and offsets in one Kafka transaction (brokers with transactions);
    /// consumers reading with `isolation.level=read_committed` see each output once.
    case exactlyOnce = "exactly-once"
}

/// Everything the worker needs to run, validated before it connects to anything.
public struct WorkerConfiguration: Sendable {
    /// librdkafka properties shared by the worker's clients; must include `bootstrap.servers`.
    public var kafka: KafkaConfiguration
    /// The consumer group all of the worker's pods join.
    public var groupId: String
    public var topics: TopicNames
    /// At most this many offers are presented per cart event.
    public var maxOffersPerCart: Int
    /// Records taken per poll; outputs of a poll are produced and acknowledged before its
    /// offsets are committed.
    public var maxBatchSize: Int
    /// How often offsets are committed (and, in exactly-once mode, transactions): the
    /// offsets below which every output and state change is acknowledged.
    public var commitInterval: Duration = .milliseconds(100)
    /// How far an input event's `occurredAt` may be ahead of / behind its record timestamp,
    /// in seconds (`nil`: unchecked); further goes to the dead-letter topic.
    public var maxEventTimeAhead: Int? = 3600
    public var maxEventTimeBehind: Int? = 3600

    /// librdkafka's default `message.max.bytes`.
    static let defaultMessageMaxBytes = 1_000_000
    /// Room kept in every record for the key, headers and framing.
    static let recordHeadroom = 16_384
    static let defaultMaxStateBytes = defaultMessageMaxBytes - 1024
    static let defaultMaxDeadLetterBytes = defaultMessageMaxBytes - 512

    /// The producer's `message.max.bytes`: no record the worker writes may be larger.
    public var messageMaxBytes: Int { kafka["message.max.bytes"].flatMap { Int($0) } ?? Self.defaultMessageMaxBytes }
    /// The largest cart state (one changelog record with its key).
    var maxStateBytes: Int { messageMaxBytes - 1024 }
    /// The largest dead letter (a bigger one loses its value, see `ProducerRecord(deadLetterOf:)`).
    var maxDeadLetterBytes: Int { messageMaxBytes - 512 }
    /// The CloudEvents `source` attribute of every output.
    public var eventSource: String
    /// Input events over these limits go to the dead-letter topic.
    public var limits: EventLimits
    /// The catalog file the offers came from, reloaded when it changes and on SIGHUP.
    public var offersFile: String?
    /// How often the catalog file is checked for changes; `nil` for SIGHUP only.
    public var catalogReloadInterval: Duration?
    /// A compacted topic of offers (key offerId, value the offer, empty value deletes it),
    /// read in full before any event is processed, then followed.
    public var catalogTopic: String?
    /// A compacted topic of product availability (key variantId, value a
    /// `VariantAvailability`, an empty value deletes it), read in full before any event is
    /// processed, then followed. Without it every item counts as available.
    public var availabilityTopic: String?
    /// Carts with no event for this long (in event time) are forgotten.
    public var cartIdleSeconds: Int
    /// How long a presentation is remembered after it expires.
    public var presentationRetentionSeconds: Int
    public var guarantee: DeliveryGuarantee
    /// The producer's `transactional.id` in exactly-once mode: stable for a pod across
    /// restarts and unique among the group's pods (for example the pod name).
    public var transactionalId: String?
    /// Whether missing output topics are left to the brokers to create on first write;
    /// otherwise the worker refuses to start without them.
    public var outputTopicsAutoCreated: Bool
    /// How many offers get their own `offer_id` label in `offer_worker_offer_events_total`;
    /// the rest share `_other`, so a large catalog cannot explode the metric's series.
    public var offerLabelLimit = WorkerConfiguration.defaultOfferLabelLimit
    public static let defaultOfferLabelLimit = 100
    /// librdkafka's `statistics.interval.ms` when not set: how often consumer lag is measured.
    static let defaultStatisticsIntervalMs = 5000
    /// librdkafka's `queued.max.messages.kbytes` for the worker's group consumer when not set:
    /// 128 MB of prefetched input, twice librdkafka's default.
    ///
    /// librdkafka 2.0.2 stops fetching once its queue holds that much, and fetches again only
    /// when its broker thread next wakes, up to a second later. A worker catching up reads
    /// about 100 MB of cart events a second, so with 64 MB it emptied the queue and waited for
    /// input for part of every second (the loop was on a CPU 74–83 % of the benchmark's steady
    /// span, 89–97 % with 128 or 256 MB). The queue fills only while the worker is behind.
    public static let defaultPrefetchKilobytes = 131_072

    /// The group consumer's configuration: `kafka` with the worker's defaults for what it
    /// does not set (lag statistics, the prefetch queue).
    static func groupConsumer(_ kafka: KafkaConfiguration, groupId: String) -> KafkaConfiguration {
        var group = kafka.merging(["group.id": groupId])
        // Consumer lag comes from librdkafka's statistics.
        if group["statistics.interval.ms"] == nil { group["statistics.interval.ms"] = "\(defaultStatisticsIntervalMs)" }
        if group["queued.max.messages.kbytes"] == nil { group["queued.max.messages.kbytes"] = "\(defaultPrefetchKilobytes)" }
        return group
    }

    public init(
        kafka: KafkaConfiguration,
        groupId: String = "offer-worker",
        topics: TopicNames = TopicNames(),
        maxOffersPerCart: Int = 3,
        maxBatchSize: Int = 500,
        eventSource: String = "/offer-worker",
        limits: EventLimits = EventLimits(),
        offersFile: String? = nil,
        catalogReloadInterval: Duration? = Duration.seconds(5),
        catalogTopic: String? = nil,
        cartIdleSeconds: Int = 86_400,
        presentationRetentionSeconds: Int = 3600,
        guarantee: DeliveryGuarantee = .atLeastOnce,
        transactionalId: String? = nil,
        outputTopicsAutoCreated: Bool = false,
        commitInterval: Duration = .milliseconds(100)
    ) {
        self.commitInterval = commitInterval
        self.kafka = kafka
        self.groupId = groupId
        self.topics = topics
        self.maxOffersPerCart = maxOffersPerCart
        self.maxBatchSize = maxBatchSize
        self.eventSource = eventSource
        self.limits = limits
        self.offersFile = offersFile
        self.catalogReloadInterval = catalogReloadInterval
        self.catalogTopic = catalogTopic
        self.cartIdleSeconds = cartIdleSeconds
        self.presentationRetentionSeconds = presentationRetentionSeconds
        self.guarantee = guarantee
        self.transactionalId = transactionalId
        self.outputTopicsAutoCreated = outputTopicsAutoCreated
    }

    /// The accepted range of each number of the configuration (and of the command line's
    /// own options), so a typo such as `--max-batch-size 5000000` is refused at start-up
    /// with the range instead of surprising later.
    public enum Bounds {
        public static let maxOffersPerCart = 1...100
        public static let maxBatchSize = 1...100_000
        /// librdkafka's largest message is 1,000,000,000 bytes.
        public static let maxEventBytes = 1024...1_000_000_000
        public static let maxCartLines = 1...100_000
        /// Up to a year (366 days) of event time.
        public static let cartIdleSeconds = 1...31_622_400
        public static let presentationRetentionSeconds = 0...31_622_400
        /// Between checks of the catalog file; 0 means SIGHUP only.
        public static let catalogReloadSeconds = 0...86_400
        public static let shutdownTimeoutSeconds = 1...3600
        /// A TCP port; 0 picks a free one.
        public static let metricsPort = 0...65_535
        /// Partitions per topic of an embedded broker.
        public static let embeddedPartitions = 1...1000
        /// Offers with their own label in the per-offer metrics.
        public static let offerLabelLimit = 0...10_000
        /// Between commits of offsets (and transactions).
        public static let commitIntervalMs = 1...60_000
        /// How far an event time may be from its record timestamp, up to a year.
        public static let eventTimeSkewSeconds = 1...31_622_400
    }

    /// `"--name must be between 1 and 100 (got 0)"` when `value` is outside `range`.
    public static func rangeProblem(_ flag: String, _ value: Int, _ range: ClosedRange<Int>) -> String? {
        range.contains(value) ? nil : "\(flag) must be between \(range.lowerBound) and \(range.upperBound) (got \(value))"
    }

    /// Every problem with this configuration, each saying what to fix; empty when valid.
    /// Every librdkafka property librdkafka refuses is one problem each.
    public var problems: [String] {
        var problems: [String] = []
        if (kafka["bootstrap.servers"] ?? "").isEmpty {
            problems.append("no Kafka bootstrap servers: pass --bootstrap-servers, set KAFKA_BOOTSTRAP_SERVERS, or use --embedded")
        }
        problems += kafka.problems
        if groupId.isEmpty { problems.append("--group-id must not be empty") }
        let skews: [(String, Int, ClosedRange<Int>)] = [("--max-event-time-ahead", maxEventTimeAhead), ("--max-event-time-behind", maxEventTimeBehind)]
            .compactMap { name, value in value.map { (name, $0, Bounds.eventTimeSkewSeconds) } }
        let numbers: [(String, Int, ClosedRange<Int>)] = skews + [
            ("--max-offers-per-cart", maxOffersPerCart, Bounds.maxOffersPerCart),
            ("--max-batch-size", maxBatchSize, Bounds.maxBatchSize),
            ("--max-event-bytes", limits.maxBytes, Bounds.maxEventBytes),
            ("--max-cart-lines", limits.maxLines, Bounds.maxCartLines),
            ("--cart-idle-seconds", cartIdleSeconds, Bounds.cartIdleSeconds),
            ("--presentation-retention-seconds", presentationRetentionSeconds, Bounds.presentationRetentionSeconds),
            ("--metrics-offer-labels", offerLabelLimit, Bounds.offerLabelLimit),
            ("--commit-interval-ms", Int(commitInterval.components.seconds * 1000 + commitInterval.components.attoseconds / 1_000_000_000_000_000), Bounds.commitIntervalMs),
        ]
        problems += numbers.compactMap { Self.rangeProblem($0, $1, $2) }
        if let interval = catalogReloadInterval {
            let upper = Bounds.catalogReloadSeconds.upperBound
            if interval <= .zero || interval > .seconds(upper) {
                problems.append("--offers-reload-interval must be between 0 and \(upper) seconds (got \(interval))")
            }
        }
        if let catalogTopic, catalogTopic.isEmpty { problems.append("--offers-topic must not be empty") }
        var names: [String] = topics.all
        if let catalogTopic { names.append(catalogTopic) }
        if let availabilityTopic {
            if availabilityTopic.isEmpty { problems.append("--availability-topic must not be empty") } else { names.append(availabilityTopic) }
        }
        for name in names where name.isEmpty { problems.append("topic names must not be empty") }
        let duplicated = Dictionary(grouping: names, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        if !duplicated.isEmpty {
            problems.append("each topic must be distinct; used more than once: \(duplicated.joined(separator: ", "))")
        }
        if limits.maxBytes > messageMaxBytes - Self.recordHeadroom {
            problems.append("--max-event-bytes \(limits.maxBytes) does not fit, with the dead-letter headers, in the producer's message.max.bytes \(messageMaxBytes): lower --max-event-bytes to at most \(messageMaxBytes - Self.recordHeadroom), or raise message.max.bytes (-X message.max.bytes=N, and the topics' max.message.bytes on the brokers)")
        }
        if guarantee == .exactlyOnce, (transactionalId ?? "").isEmpty {
            problems.append("--guarantee exactly-once needs --transactional-id (stable per pod, unique in the group, for example the pod name)")
        }
        if eventSource.isEmpty { problems.append("--event-source must not be empty") }
        return problems
    }

    /// Throws ``ConfigurationError`` listing every problem.
    public func validate() throws(ConfigurationError) {
        let problems = self.problems
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
    }
}

/// A configuration the worker refuses to start with, with every problem found. Every
/// configuration mistake (a flag, a librdkafka property, the offer catalog, a missing topic)
/// is reported as one of these, in one style: `invalid configuration:` and a list.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var problems: [String]

    public init(problems: [String]) { self.problems = problems }

    public var description: String {
        "invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
