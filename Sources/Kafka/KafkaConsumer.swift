import CRdKafka
import Dispatch
import Logging
import Synchronization

/// A Kafka consumer: group subscription or manual assignment, batched polling bridged to
/// Swift concurrency, explicit offset commits, pause and resume.
///
/// Offsets are never committed automatically: the caller commits what it has finished with
/// ``commit(_:)``. All calls into librdkafka that may block run on the consumer's own thread
/// (``BlockingThread``), never on the cooperative thread pool, and rebalance callbacks run only inside
/// ``poll(maxRecords:timeout:)`` so the caller sees them in order with the records.
public final class KafkaConsumer: Sendable {
    private let client: NativeClient
    private let queue: BlockingThread
    private let isClosed = Atomic<Bool>(false)
    private let logger: Logger
    /// Storage given back by ``recycle(_:)``, for the next ``pollBlocking(maxRecords:timeout:)``.
    private let spareRecords = Mutex<[ConsumerRecord]>([])

    /// Creates a consumer. `configuration` needs `bootstrap.servers` and `group.id`.
    ///
    /// Defaults set here (each can be overridden): auto commit and auto offset store off,
    /// `auto.offset.reset=earliest`, and the `range` assignor, which gives co-partitioned
    /// topics' same-numbered partitions to the same member.
    public init(configuration: KafkaConfiguration, logger: Logger = Logger(label: "kafka.consumer")) throws(KafkaError) {
        guard configuration["group.id"] != nil else {
            throw .configuration("a consumer needs group.id")
        }
        let defaults: [String: String] = [
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": "earliest",
            "partition.assignment.strategy": "range",
            "enable.partition.eof": "false",
        ]
        client = try NativeClient(
            type: RD_KAFKA_CONSUMER, configuration: KafkaConfiguration(defaults).merging(configuration.properties),
            logger: logger
        ) { conf in
            rd_kafka_conf_set_rebalance_cb(conf, RebalanceState.callback)
            rd_kafka_conf_set_offset_commit_cb(conf) { _, err, _, opaque in
                // Results of asynchronous commits; a later commit supersedes a failed one.
                guard err != RD_KAFKA_RESP_ERR_NO_ERROR, err != RD_KAFKA_RESP_ERR__NO_OFFSET,
                      let context = ClientContext.from(opaque) else { return }
                let error = KafkaError(err)
                context.logger.info("asynchronous offset commit failed", metadata: ["error": "\(error)"])
                context.commitFailure.withLock { $0 = error }
            }
        }
        let err = rd_kafka_poll_set_consumer(client.handle)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
        queue = BlockingThread(name: "kafka-consumer")
        self.logger = logger
    }

    /// Joins the consumer group for `topics`; partitions arrive as ``ConsumerEvent/partitionsAssigned(_:)``.
    public func subscribe(to topics: [String]) throws(KafkaError) {
        let list = NativePartitionList.make(topics.map { (TopicPartition(topic: $0, partition: -1), nil) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_subscribe(client.handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
    }

    /// Reads the given partitions outside any group, from `offset` (or the beginning).
    public func assign(_ partitions: [TopicPartition], from offset: Int64 = Int64(RD_KAFKA_OFFSET_BEGINNING)) throws(KafkaError) {
        let list = NativePartitionList.make(partitions.map { ($0, offset) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_assign(client.handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
    }

    /// The partition's low and high watermarks, asked of its leader: the first offset still
    /// stored and the offset the next record will get.
    public func watermarks(of partition: TopicPartition, timeout: Duration = .seconds(10)) async throws(KafkaError) -> (low: Int64, high: Int64) {
        let result: Result<(low: Int64, high: Int64), KafkaError> = await withCheckedContinuation { continuation in
            queue.submit { [self] in
                continuation.resume(returning: Result { () throws(KafkaError) in try watermarksBlocking(of: partition, timeout: timeout) })
            }
        }
        return try result.get()
    }

    /// ``watermarks(of:timeout:)`` on the calling thread, which it blocks.
    public func watermarksBlocking(of partition: TopicPartition, timeout: Duration = .seconds(10)) throws(KafkaError) -> (low: Int64, high: Int64) {
        var low: Int64 = 0, high: Int64 = 0
        let err = rd_kafka_query_watermark_offsets(client.handle, partition.topic, partition.partition, &low, &high, Int32(clamping: timeout.milliseconds))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(err, message: "watermarks of \(partition): \(KafkaError(err).message)")
        }
        return (low, high)
    }

    /// Reads the given partitions outside any group, each from its own offset.
    public func assign(_ offsets: [TopicPartition: Int64]) throws(KafkaError) {
        let list = NativePartitionList.make(offsets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_assign(client.handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
    }

    /// Waits up to `timeout` for records, then returns what arrived (at most `maxRecords`),
    /// followed by any rebalance that happened meanwhile. Returns an empty array on timeout.
    public func poll(maxRecords: Int = 500, timeout: Duration = .milliseconds(100)) async throws(KafkaError) -> [ConsumerEvent] {
        let result: Result<[ConsumerEvent], KafkaError> = await withCheckedContinuation { continuation in
            queue.submit { [self] in
                continuation.resume(returning: Result { () throws(KafkaError) in try pollBlocking(maxRecords: maxRecords, timeout: timeout) })
            }
        }
        return try result.get()
    }

    /// The consumer's events as an async sequence of polls; ends when the consumer is closed
    /// or the iterating task is cancelled.
    public func events(maxRecords: Int = 500, pollTimeout: Duration = .milliseconds(100)) -> KafkaConsumerEvents {
        KafkaConsumerEvents(consumer: self, maxRecords: maxRecords, pollTimeout: pollTimeout)
    }

    /// Commits, synchronously, the offsets of the next records to read (last processed + 1).
    public func commit(_ offsets: [TopicPartition: Int64]) async throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let result: KafkaError? = await withCheckedContinuation { continuation in
            queue.submit { [self] in
                do throws(KafkaError) { try commitBlocking(offsets); continuation.resume(returning: nil) } catch { continuation.resume(returning: error) }
            }
        }
        if let result { throw result }
    }

    /// ``commit(_:)`` on the calling thread, which it blocks until the coordinator answers.
    public func commitBlocking(_ offsets: [TopicPartition: Int64]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = NativePartitionList.make(offsets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_commit(client.handle, list, 0)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
        if let failed = NativePartitionList.elements(list).first(where: { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }) {
            throw KafkaError(failed.error, message: "commit of \(failed.partition) failed")
        }
    }

    /// ``commitBlocking(_:)`` that stops waiting once `abandon` returns `true` (asked every
    /// 100 ms). While its coordinator is unreachable a synchronous commit waits until it is
    /// back, which a shutdown deadline cannot afford. Like it, this waits for a coordinator
    /// being looked up (a commit answered `_WAIT_COORD` is made again). Returns `false` when
    /// it stopped waiting: the commit may still be made later, or never.
    @discardableResult
    public func commitBlocking(_ offsets: [TopicPartition: Int64], abandoningWhen abandon: () -> Bool) throws(KafkaError) -> Bool {
        guard !offsets.isEmpty else { return true }
        let list = NativePartitionList.make(offsets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        guard let queue = rd_kafka_queue_new(client.handle) else { throw KafkaError.configuration("cannot create a queue for the commit") }
        defer { rd_kafka_queue_destroy(queue) }
        while true {
            let err = rd_kafka_commit_queue(client.handle, list, queue, nil, nil)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
            var answer: rd_kafka_resp_err_t?
            while answer == nil {
                guard let event = rd_kafka_queue_poll(queue, 100) else {
                    if abandon() { return false }
                    continue
                }
                defer { rd_kafka_event_destroy(event) }
                guard rd_kafka_event_type(event) == RD_KAFKA_EVENT_OFFSET_COMMIT else { continue }
                answer = rd_kafka_event_error(event)
                if answer == RD_KAFKA_RESP_ERR_NO_ERROR,
                   let failed = NativePartitionList.elements(rd_kafka_event_topic_partition_list(event)).first(where: { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }) {
                    throw KafkaError(failed.error, message: "commit of \(failed.partition) failed")
                }
            }
            switch answer.unsafelyUnwrapped {
            case RD_KAFKA_RESP_ERR_NO_ERROR: return true
            case RD_KAFKA_RESP_ERR__WAIT_COORD:
                if abandon() { return false }
                // A pause before asking again (nothing else is posted to this queue).
                if let stray = rd_kafka_queue_poll(queue, 100) { rd_kafka_event_destroy(stray) }
            case let error: throw KafkaError(error)
            }
        }
    }

    /// Starts committing `offsets` without waiting: a pipelined loop commits on an interval
    /// and each commit supersedes the previous one, so a failure is only logged (from inside
    /// a later poll).
    public func commitAsync(_ offsets: [TopicPartition: Int64]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = NativePartitionList.make(offsets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_commit(client.handle, list, 1)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
    }

    /// The error of the latest asynchronous commit that failed since the last call, if any
    /// (reported from inside a poll).
    public func takeCommitFailure() -> KafkaError? {
        client.context.commitFailure.withLock { failure in defer { failure = nil }; return failure }
    }

    /// Runs `handler` on the polling thread whenever partitions are about to be revoked,
    /// before they are unassigned: the moment to finish their work and commit synchronously
    /// (`lost` partitions can no longer be committed). Replaces any earlier handler.
    public func setRevokeHandler(_ handler: (@Sendable (_ partitions: [TopicPartition], _ lost: Bool) -> Void)?) {
        client.context.rebalance.beforeRevoke.withLock { $0 = handler }
    }

    /// The group's committed offsets for `partitions` (`nil` where none is committed).
    public func committed(_ partitions: [TopicPartition], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [TopicPartition: Int64] {
        let result: Result<[TopicPartition: Int64], KafkaError> = await withCheckedContinuation { continuation in
            queue.submit { [self] in
                let list = NativePartitionList.make(partitions.map { ($0, nil) })
                defer { rd_kafka_topic_partition_list_destroy(list) }
                let err = rd_kafka_committed(client.handle, list, Int32(timeout.milliseconds))
                if err != RD_KAFKA_RESP_ERR_NO_ERROR { return continuation.resume(returning: .failure(KafkaError(err))) }
                var offsets: [TopicPartition: Int64] = [:]
                for element in NativePartitionList.elements(list) where element.offset >= 0 {
                    offsets[element.partition] = element.offset
                }
                continuation.resume(returning: .success(offsets))
            }
        }
        return try result.get()
    }

    /// Stops fetching from `partitions` until ``resume(_:)``; they stay assigned.
    public func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        try changePause(partitions, pause: true)
    }

    /// Resumes fetching from paused `partitions`.
    public func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        try changePause(partitions, pause: false)
    }

    /// The partitions currently assigned to this consumer.
    public func assignment() throws(KafkaError) -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>? = nil
        let err = rd_kafka_assignment(client.handle, &list)
        defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
        return NativePartitionList.elements(list).map(\.partition).sorted()
    }

    /// Leaves the group (revoking its partitions) and stops the consumer. Commit first what
    /// must be committed. Later polls return nothing.
    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.submit { [self] in
                closeBlocking()
                continuation.resume()
            }
        }
    }

    /// ``close()`` on the calling thread, which it blocks while the group is left.
    public func closeBlocking() {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let err = rd_kafka_consumer_close(client.handle)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("consumer close", metadata: ["error": "\(KafkaError(err))"])
        }
    }

    /// ``closeBlocking()`` that stops waiting once `abandon` returns `true` (asked every 100 ms).
    /// librdkafka's close waits for the consumer's pending commits, and while the group
    /// coordinator is unreachable those wait for it to come back. Returns `false` when it
    /// stopped waiting: the group then sees the member go only when its session times out.
    @discardableResult
    public func closeBlocking(abandoningWhen abandon: () -> Bool) -> Bool {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return true }
        guard let queue = rd_kafka_queue_new(client.handle) else {
            _ = rd_kafka_consumer_close(client.handle)
            return true
        }
        defer { rd_kafka_queue_destroy(queue) }
        if let error = rd_kafka_consumer_close_queue(client.handle, queue) {
            logger.warning("consumer close", metadata: ["error": "\(KafkaError(consuming: error))"])
            return true
        }
        // The close's rebalance callbacks are served here, on the calling thread.
        while rd_kafka_consumer_closed(client.handle) == 0 {
            _ = rd_kafka_queue_poll_callback(queue, 100)
            if rd_kafka_consumer_closed(client.handle) == 0, abandon() { return false }
        }
        return true
    }

    /// The statistics librdkafka emitted since the last call, if any: every
    /// `statistics.interval.ms`, served by this consumer's polls.
    public func takeStatistics() -> KafkaStatistics? {
        client.context.statistics.withLock { latest in defer { latest = nil }; return latest }
    }

    var nativeHandle: OpaquePointer { client.handle }

    /// The client, for records made from its messages (see ``record(from:client:topicName:)``).
    var nativeClient: NativeClient { client }

    /// The fatal error this consumer raised, if any.
    public var fatalError: KafkaError? { client.fatalError }

    var closed: Bool { isClosed.load(ordering: .acquiring) }

    private func changePause(_ partitions: [TopicPartition], pause: Bool) throws(KafkaError) {
        let list = NativePartitionList.make(partitions.map { ($0, nil) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = pause ? rd_kafka_pause_partitions(client.handle, list) : rd_kafka_resume_partitions(client.handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
    }

    /// ``poll(maxRecords:timeout:)`` on the calling thread, for a loop that owns a thread:
    /// blocks at most `timeout` for the first record, then takes what is already buffered;
    /// stops early at a rebalance. Events are in the order they happened: a rebalance that
    /// ran during a poll call comes before the record that call returned (which may be from a
    /// partition just assigned). Don't mix with the async API from another thread.
    public func pollBlocking(maxRecords: Int, timeout: Duration) throws(KafkaError) -> [ConsumerEvent] {
        guard !closed else { return [] }
        var events: [ConsumerEvent] = []
        var records = spareRecords.withLock { spare in
            defer { spare = [] }
            return spare
        }
        records.reserveCapacity(min(maxRecords, 1024))

        /// Moves rebalances recorded by the callback into `events`, after the records read
        /// before them; records of partitions just revoked are dropped (their next owner reads
        /// them again from the committed offset).
        func takeRebalances() -> Bool {
            let rebalances = client.context.rebalance.drain()
            guard !rebalances.isEmpty else { return false }
            let revoked = Set(rebalances.flatMap { event -> [TopicPartition] in
                if case .partitionsRevoked(let partitions, _) = event { return partitions }
                return []
            })
            records.removeAll { revoked.contains($0.topicPartition) }
            if !records.isEmpty { events.append(.records(records)) }
            records = []
            events.append(contentsOf: rebalances)
            return true
        }

        var wait = Int32(clamping: timeout.milliseconds)
        var topicName: TopicName?
        while records.count < maxRecords {
            let message = rd_kafka_consumer_poll(client.handle, wait)
            let rebalanced = takeRebalances()
            guard let message else { break }
            wait = 0
            if message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                let error = KafkaError(message.pointee.err, message: Self.payloadString(message.pointee))
                rd_kafka_message_destroy(message)
                if let fatal = client.fatalError { throw fatal }
                logger.warning("consumer error", metadata: ["error": "\(error)"])
            } else {
                records.append(Self.record(from: message, client: client, topicName: &topicName))
            }
            if rebalanced { break }
        }
        _ = takeRebalances()
        if !records.isEmpty { events.append(.records(records)) }
        return events
    }

    /// Takes back the storage of a poll's record batches once the caller is done with them,
    /// for the next ``pollBlocking(maxRecords:timeout:)`` to fill. A batch of hundreds of
    /// records is one large allocation per poll, and under glibc's allocator each one also
    /// swept its caches of freed small blocks; reusing it spares both on every poll. The
    /// records are released here. Call it on the polling thread, after the last use of the
    /// batches (storage still referenced elsewhere is copied, not shared).
    public func recycle(_ events: inout [ConsumerEvent]) {
        var kept: [ConsumerRecord] = []
        for event in events {
            if case .records(let records) = event, records.capacity > kept.capacity { kept = records }
        }
        events = []
        guard kept.capacity > 0 else { return }
        kept.removeAll(keepingCapacity: true)
        spareRecords.withLock { spare in
            if kept.capacity > spare.capacity { swap(&spare, &kept) }
        }
    }

    /// The name of a topic handle, kept from one record to the next: a poll's records come
    /// from a few topics, and reading the name made a `String` of it for every record.
    typealias TopicName = (handle: OpaquePointer, name: String)

    /// The name of topic handle `handle`, from `known` when it is that topic's.
    static func name(of handle: OpaquePointer, known: inout TopicName?) -> String {
        if let known, known.handle == handle { return known.name }
        let name = String(cString: rd_kafka_topic_name(handle))
        known = (handle, name)
        return name
    }

    /// The record of a message without an error, taking ownership of the message: the
    /// record views its key and value in place (``NativeMessage``). `topicName` is the last
    /// record's topic, reused when the message is of the same topic.
    static func record(
        from message: UnsafeMutablePointer<rd_kafka_message_t>, client: NativeClient, topicName: inout TopicName?
    ) -> ConsumerRecord {
        let m = message.pointee
        let topic = name(of: m.rkt, known: &topicName)
        let headers = NativeMessage.headers(of: message)
        let timestamp = NativeMessage.timestamp(of: message)
        return ConsumerRecord(
            topic: topic,
            partition: m.partition,
            offset: m.offset,
            message: NativeMessage(message, client: client),
            headers: headers,
            timestamp: timestamp)
    }

    private static func payloadString(_ m: rd_kafka_message_t) -> String? {
        m.payload.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: m.len), as: UTF8.self) }
    }
}

/// An endless sequence of consumer events, one poll at a time (so it applies back-pressure:
/// nothing is fetched into Swift until the previous events were taken).
public struct KafkaConsumerEvents: AsyncSequence, Sendable {
    public typealias Element = ConsumerEvent
    let consumer: KafkaConsumer
    let maxRecords: Int
    let pollTimeout: Duration

    public func makeAsyncIterator() -> Iterator {
        Iterator(consumer: consumer, maxRecords: maxRecords, pollTimeout: pollTimeout)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let consumer: KafkaConsumer
        let maxRecords: Int
        let pollTimeout: Duration
        var buffered: [ConsumerEvent] = []

        public mutating func next() async throws(KafkaError) -> ConsumerEvent? {
            while buffered.isEmpty {
                if Task.isCancelled || consumer.closed { return nil }
                buffered = try await consumer.poll(maxRecords: maxRecords, timeout: pollTimeout)
            }
            return buffered.removeFirst()
        }
    }
}
