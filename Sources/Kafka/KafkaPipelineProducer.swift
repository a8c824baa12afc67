import CRdKafka
import Logging

/// The outcome of one record sent by a ``KafkaPipelineProducer``.
public struct PipelineDelivery: Sendable {
    /// The token the record was produced with.
    public var token: UInt
    public var partition: Int32
    /// The record's offset, when it was stored.
    public var offset: Int64
    /// `nil` when the record was stored; otherwise why not (after librdkafka's own retries),
    /// and the record, rebuilt from librdkafka's copy of it, to be sent again or set aside;
    /// but for its timestamp, which librdkafka 2.0.2 does not report (`nil` there). A loop
    /// need not keep its own copy of every record until its report: librdkafka keeps one
    /// anyway, and records freed only at their report were freed cold, long after they were
    /// written, and handed out cold to the next ones.
    public var failure: (error: KafkaError, record: ProducerRecord)?

    /// Why the record was not stored, or `nil`.
    public var error: KafkaError? { failure?.error }
    /// The record not stored, or `nil` (see ``failure``).
    public var record: ProducerRecord? { failure?.record }
}

/// Delivery reports collected by the C callback during `rd_kafka_poll`/`rd_kafka_flush`,
/// which the producer's owning thread calls: no lock is needed.
final class OwnedDeliveries: @unchecked Sendable {
    var reports: [PipelineDelivery] = []
}

/// A producer owned by one thread, for a pipelined loop: `produce` never waits for the
/// broker, and the owner takes delivery reports in batches with ``pollDeliveries(timeout:_:)``.
///
/// Unlike ``KafkaProducer`` there is no callback thread, continuation or lock per record:
/// the reports are served by librdkafka on the calling thread, so a loop that produces
/// thousands of records per batch pays nothing per record beyond librdkafka's own work
/// (compare swift-kafka-client's per-message async costs). Every method must be called from
/// the owning thread, and the blocking ones (`flush`, transactions) block it.
public final class KafkaPipelineProducer: @unchecked Sendable {
    private let client: NativeClient
    private let logger: Logger
    /// Handles of the topics ``prepareTopics(_:timeout:)`` made known, held for the
    /// producer's lifetime; records for these topics are produced through them.
    private var preparedTopics: [(name: String, handle: OpaquePointer)] = []
    /// An empty array with room for reports, traded for the callback's full one by
    /// ``takeReports(_:)``.
    private var spareReports: [PipelineDelivery] = []

    /// Creates a producer with ``KafkaProducer``'s defaults (idempotence, `acks=all`,
    /// `murmur2_random`), each overridable by `configuration`.
    public init(configuration: KafkaConfiguration, logger: Logger = Logger(label: "kafka.producer")) throws(KafkaError) {
        client = try NativeClient(
            type: RD_KAFKA_PRODUCER, configuration: KafkaConfiguration(NativeProduce.defaults).merging(configuration.properties),
            logger: logger
        ) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
                guard let message, let context = ClientContext.from(opaque) else { return }
                let m = message.pointee
                context.ownedDeliveries.reports.append(PipelineDelivery(
                    token: UInt(bitPattern: m._private), partition: m.partition, offset: m.offset,
                    failure: m.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : (KafkaError(m.err), NativeMessage.producerRecord(of: message))))
            }
        }
        self.logger = logger
    }

    deinit {
        for topic in preparedTopics { rd_kafka_topic_destroy(topic.handle) }
    }

    /// Makes those of `topics` that exist known to the producer with their partitions and
    /// leaders, before anything is produced to them; returns the partition count of each.
    ///
    /// librdkafka looks a topic up only when the first record for it arrives, and until
    /// the answer comes (on a busy broker, up to a second) that topic's records wait in
    /// the producer: at start-up a loop that produces at full speed fills its in-flight
    /// window and commits nothing, and the first record of a rarely used topic (mutations,
    /// dead letters) is late. Asking once at start-up moves the lookup out of the way.
    /// Missing topics are left out (the caller decides), and left alone: a topic handle made
    /// for one would have librdkafka ask for it by name, which creates it on brokers that
    /// create topics on request. Blocks for up to `timeout`: call it from a thread that may
    /// wait.
    public func prepareTopics(_ topics: [String], timeout: Duration = .seconds(10)) throws(KafkaError) -> [String: Int] {
        let wanted = Set(topics)
        // One request for every topic fills librdkafka's metadata cache, and a topic handle
        // made after it starts from the cached partitions and leaders, without a lookup.
        let found = try NativeMetadata.partitionCounts(client.handle, timeout: timeout).filter { wanted.contains($0.key) }
        // The caller's names are kept: a record's topic is usually the very same string, which
        // compares equal at once.
        for topic in topics where found[topic] != nil && !preparedTopics.contains(where: { $0.name == topic }) {
            guard let handle = rd_kafka_topic_new(client.handle, topic, nil) else { throw KafkaError(rd_kafka_last_error()) }
            preparedTopics.append((topic, handle))
        }
        return found
    }

    /// Enqueues a record; its delivery report carries `token`. Fails only when librdkafka
    /// refuses the record itself (too large, unknown partition) or its queue stays full for
    /// 30 seconds.
    public func produce(_ record: ProducerRecord, token: UInt) throws(KafkaError) {
        if let error = NativeProduce.enqueue(client.handle, record, topicHandle: preparedHandle(of: record.topic), token: token) { throw error }
    }

    /// The handle of `topic` if it was prepared. Producing by handle spares librdkafka a
    /// lookup by name under its client-wide write lock for every record (the lock its
    /// broker threads take to read).
    @inline(__always)
    private func preparedHandle(of topic: String) -> OpaquePointer? {
        for prepared in preparedTopics where prepared.name == topic { return prepared.handle }
        return nil
    }

    /// Produces a consumed record again, to `topic` (and `partition`, or the partitioner's
    /// choice by key): its key, value, headers and timestamp, the bytes handed to librdkafka
    /// where the record holds them, with no copy in between (a mirror or a passthrough).
    public func produce(forwarding record: ConsumerRecord, to topic: String, partition: Int32? = nil, token: UInt) throws(KafkaError) {
        let error = record.withKey { key in
            record.withValue { value in
                NativeProduce.enqueue(
                    client.handle, topic: topic, topicHandle: preparedHandle(of: topic), partition: partition, key: key, value: value,
                    headers: record.headers, timestamp: record.timestamp, token: token)
            }
        }
        if let error { throw error }
    }

    /// Serves librdkafka's callbacks for up to `timeout` (zero: what is ready) and hands each
    /// delivery report that arrived to `body`. Returns how many there were.
    @discardableResult
    public func pollDeliveries(timeout: Duration = .zero, _ body: (PipelineDelivery) -> Void) -> Int {
        rd_kafka_poll(client.handle, Int32(clamping: timeout.milliseconds))
        return takeReports(body)
    }

    /// Waits up to `timeout` until every enqueued record has a report, handing them to `body`.
    public func flush(timeout: Duration, _ body: (PipelineDelivery) -> Void) throws(KafkaError) {
        let err = rd_kafka_flush(client.handle, Int32(clamping: timeout.milliseconds))
        takeReports(body)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
    }

    /// Records handed to librdkafka whose report has not been taken yet.
    public var queuedCount: Int { Int(rd_kafka_outq_len(client.handle)) }

    /// The fatal error this producer raised, if any (for example a fenced transactional id).
    public var fatalError: KafkaError? { client.fatalError }

    /// Hands the reports collected so far to `body`. The callback's array and a spare one
    /// trade places, so neither is reallocated: emptying an array still viewed by the loop
    /// made `removeAll(keepingCapacity:)` allocate a new one of the same capacity every time.
    @discardableResult
    private func takeReports(_ body: (PipelineDelivery) -> Void) -> Int {
        guard !client.context.ownedDeliveries.reports.isEmpty else { return 0 }
        var reports: [PipelineDelivery] = []
        swap(&reports, &spareReports)
        swap(&reports, &client.context.ownedDeliveries.reports)
        for report in reports { body(report) }
        let count = reports.count
        reports.removeAll(keepingCapacity: true)
        spareReports = reports
        return count
    }

    // MARK: Transactions (blocking; for a producer configured with `transactional.id`)

    public func initTransactions(timeout: Duration = .seconds(30)) throws(KafkaError) {
        try NativeTransactions.initialize(client.handle, timeout: timeout)
    }

    public func beginTransaction() throws(KafkaError) {
        try NativeTransactions.begin(client.handle)
    }

    /// Adds `consumer`'s next offsets to the transaction.
    public func sendOffsetsToTransaction(_ offsets: [TopicPartition: Int64], of consumer: KafkaConsumer, timeout: Duration = .seconds(30)) throws(KafkaError) {
        try NativeTransactions.sendOffsets(client.handle, offsets, consumer: consumer, timeout: timeout)
    }

    /// Commits the transaction; delivery reports served meanwhile are kept for the next poll.
    public func commitTransaction(timeout: Duration = .seconds(30)) throws(KafkaError) {
        try NativeTransactions.commit(client.handle, timeout: timeout)
    }

    public func abortTransaction(timeout: Duration = .seconds(30)) throws(KafkaError) {
        try NativeTransactions.abort(client.handle, timeout: timeout)
    }
}
