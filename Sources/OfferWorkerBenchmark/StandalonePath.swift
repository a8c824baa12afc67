import CKafkaCeiling
import Glibc
import Kafka
import OfferEngine
import OfferWorker

/// The worker's per-record work without Kafka, on one thread: what `EventProcessor` and
/// `CartStateStore` do for each input record (both are internal to OfferWorker, so this is
/// their public-API equivalent, kept step for step): decode and validate the input, check its
/// key, decode the cart's stored state, run the engine, encode the new state when it changed,
/// encode each output with its CloudEvents headers; and, as the loop does every commit
/// interval, take the changed carts' changelog records.
struct StandalonePath {
    private let engine: OfferEngine
    private let topics: TopicNames
    /// Per partition: each cart's state, encoded as its changelog value (format 1).
    private var carts: [Int32: [String: [UInt8]]] = [:]
    private var streamTime: [Int32: EventTime] = [:]
    private var changed: [Int32: Set<String>] = [:]
    private(set) var outputs = 0
    private(set) var changelogRecords = 0
    private(set) var changelogBytes = 0
    private(set) var deadLetters = 0

    init(engine: OfferEngine, topics: TopicNames) {
        self.engine = engine
        self.topics = topics
    }

    /// What a run measured.
    struct Figures {
        var records: Int
        var seconds: Double
        var cpuSeconds: Double
        var outputs: Int
        var deadLetters: Int
        var meanChangelogValue: Double
        /// Carts held at the end, and the heap they take (state as the worker keeps it).
        var carts: Int
        var stateBytes: Int
        /// Records per second of the thread's CPU time: the rate on one core, whatever else
        /// the machine runs.
        var rate: Double { Double(records) / cpuSeconds }
        var cpuMicrosPerRecord: Double { cpuSeconds * 1e6 / Double(records) }
    }

    /// Processes `records` in order after a warm-up on a separate state, taking the
    /// changelog every `changelogEvery` records (a commit interval's worth); stops early,
    /// at a multiple of `changelogEvery`, once `budget` of the thread's CPU time is spent
    /// (the rate is per record, so a prefix of the stream measures it).
    static func measure(
        records: [ConsumerRecord], engine: OfferEngine, topics: TopicNames, changelogEvery: Int = 2_000, budget: Double = 3
    ) -> Figures {
        var warm = StandalonePath(engine: engine, topics: topics)
        var outputs: [ProducerRecord] = []
        for record in records.prefix(5_000) {
            outputs.removeAll(keepingCapacity: true)
            warm.process(record, into: &outputs)
        }
        let heapBefore = ckc_heap_in_use()
        var path = StandalonePath(engine: engine, topics: topics)
        let cpuStart = threadCPUSeconds()
        let start = ContinuousClock.now
        var processed = 0
        for record in records {
            outputs.removeAll(keepingCapacity: true)
            path.process(record, into: &outputs)
            path.outputs += outputs.count
            processed += 1
            if processed % changelogEvery == 0 {
                _ = path.takeChangelog()
                if threadCPUSeconds() - cpuStart > budget { break }
            }
        }
        _ = path.takeChangelog()
        let seconds = (ContinuousClock.now - start).seconds
        let cpu = threadCPUSeconds() - cpuStart
        let stateBytes = Int(ckc_heap_in_use()) - Int(heapBefore)
        return Figures(
            records: processed, seconds: seconds, cpuSeconds: cpu, outputs: path.outputs, deadLetters: path.deadLetters,
            meanChangelogValue: Double(path.changelogBytes) / Double(max(path.changelogRecords, 1)), carts: path.cartCount,
            stateBytes: stateBytes)
    }

    /// Appends the records `record` causes, as `EventProcessor.process(_:store:into:)` does.
    mutating func process(_ record: ConsumerRecord, into outputs: inout [ProducerRecord]) {
        do throws(EventDecodingError) {
            guard let value = record.value, !value.isEmpty else { throw EventDecodingError(reason: "empty value") }
            switch record.topic {
            case topics.cartUpdated:
                try cartUpdated(HotCodec.decode(CartUpdated.self, from: value), record: record, into: &outputs)
            case topics.offerAccepted:
                try offerAccepted(HotCodec.decode(OfferAccepted.self, from: value), record: record, into: &outputs)
            default:
                throw EventDecodingError(reason: "unexpected topic \(record.topic)")
            }
        } catch {
            deadLetters += 1
            outputs.append(ProducerRecord(topic: topics.deadLetter, key: record.key, value: record.value, headers: record.headers + [
                KafkaHeader(name: "dlq_reason", string: error.reason),
            ]))
        }
    }

    private mutating func cartUpdated(_ cart: CartUpdated, record: ConsumerRecord, into outputs: inout [ProducerRecord]) throws(EventDecodingError) {
        guard record.keyString == cart.cartId else {
            throw EventDecodingError(reason: "record key does not match cartId '\(cart.cartId)'")
        }
        observe(cart.occurredAt, partition: record.partition)
        let stored = state(of: cart.cartId, partition: record.partition)
        var session = stored?.session
        let presented = engine.cartUpdated(cart, session: &session)
        if let session, session != stored?.session {
            replace(cart.cartId, partition: record.partition, session: session,
                    lastActivity: max(stored?.lastActivity ?? cart.occurredAt, cart.occurredAt))
        }
        for event in presented {
            outputs.append(Self.output(
                HotCodec.encode(event), topic: topics.offerPresented, type: "dev.offerworker.offer.presented",
                eventId: event.eventId, cartId: event.cartId, time: event.occurredAt))
        }
    }

    private mutating func offerAccepted(_ acceptance: OfferAccepted, record: ConsumerRecord, into outputs: inout [ProducerRecord]) {
        observe(acceptance.occurredAt, partition: record.partition)
        let stored = state(of: acceptance.cartId, partition: record.partition)
        var session = stored?.session
        let outcome = engine.offerAccepted(acceptance, key: record.keyString, session: &session)
        if let session, let stored, session != stored.session {
            replace(acceptance.cartId, partition: record.partition, session: session, lastActivity: max(stored.lastActivity, acceptance.occurredAt))
        }
        switch outcome {
        case .mutation(let mutation):
            outputs.append(Self.output(
                HotCodec.encode(mutation), topic: topics.cartMutation, type: "dev.offerworker.cart.mutation",
                eventId: mutation.eventId, cartId: mutation.cartId, time: mutation.occurredAt))
        case .rejected(let rejection):
            outputs.append(Self.output(
                HotCodec.encode(rejection), topic: topics.offerRejected, type: "dev.offerworker.offer.rejected",
                eventId: rejection.eventId, cartId: rejection.cartId, time: rejection.occurredAt))
        case .alreadyAccepted:
            break
        }
    }

    /// The changelog records of the carts changed since the last take.
    mutating func takeChangelog() -> [ProducerRecord] {
        var records: [ProducerRecord] = []
        for partition in changed.keys.sorted() {
            for cartId in changed[partition]!.sorted() {
                let value = carts[partition]?[cartId]
                records.append(ProducerRecord(topic: topics.changelog, partition: partition, key: Array(cartId.utf8), value: value))
                changelogRecords += 1
                changelogBytes += value?.count ?? 0
            }
        }
        changed.removeAll(keepingCapacity: true)
        return records
    }

    /// Carts held.
    var cartCount: Int { carts.values.reduce(0) { $0 + $1.count } }

    // MARK: State, as CartStateStore and StoredCart keep it

    private mutating func observe(_ time: EventTime, partition: Int32) {
        streamTime[partition] = max(streamTime[partition] ?? time, time)
    }

    private func state(of cartId: String, partition: Int32) -> (session: CartSession, lastActivity: EventTime)? {
        guard let bytes = carts[partition]?[cartId], bytes.first == 1 else { return nil }
        var reader = BinaryReader(bytes, offset: 1)
        guard let lastActivity = try? reader.readTime("lastActivity"),
              let session = try? CartSession(from: &reader, relativeTo: lastActivity) else { return nil }
        return (session, lastActivity)
    }

    private mutating func replace(_ cartId: String, partition: Int32, session: CartSession, lastActivity: EventTime) {
        var writer = BinaryWriter(capacity: 512)
        writer.writeByte(1)
        writer.writeTime(lastActivity)
        session.encode(into: &writer, relativeTo: lastActivity)
        carts[partition, default: [:]][cartId] = writer.bytes
        changed[partition, default: []].insert(cartId)
    }

    /// An output record as the worker writes it: keyed by cartId, CloudEvents headers, the
    /// event's time as the record's.
    private static func output(_ value: [UInt8], topic: String, type: String, eventId: String, cartId: String, time: EventTime) -> ProducerRecord {
        ProducerRecord(
            topic: topic, key: Array(cartId.utf8), value: value,
            headers: [
                KafkaHeader(name: "ce_specversion", string: "1.0"),
                KafkaHeader(name: "ce_id", string: eventId),
                KafkaHeader(name: "ce_type", string: type),
                KafkaHeader(name: "ce_source", string: "/offer-worker"),
                KafkaHeader(name: "ce_time", string: time.description),
                KafkaHeader(name: "ce_subject", string: cartId),
                KafkaHeader(name: "content-type", string: "application/json"),
            ],
            timestamp: time.millisecondsSinceEpoch)
    }
}

/// CPU time of the calling thread.
func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// A monotonic clock in nanoseconds, comparable across threads.
func monotonicNanos() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
