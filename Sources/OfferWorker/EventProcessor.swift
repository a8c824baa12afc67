import Glibc
import Kafka
import EventWire
import OfferEngine

/// Turns one input record into the output records it causes, updating cart state.
///
/// Pure apart from `store`: no I/O, no clock. The same records in the same order give the
/// same outputs, byte for byte.
struct EventProcessor: Sendable {
    var engine: OfferEngine
    /// What the store can supply (the availability topic); offers and acceptances of items
    /// it cannot are held back. Replaced by the loop between batches.
    var availability: ProductAvailability = .unrestricted
    let topics: TopicNames
    /// `ce_source` (the configured event source) as a header, made once: every output carries it.
    private let sourceHeader: KafkaHeader
    let metrics: WorkerMetrics
    let codec: EventCodec
    /// The hot path's codec: accepts, refuses and writes exactly what `codec` does, without
    /// Foundation (see EventWire).
    var wire: WireCodec { WireCodec(limits: codec.limits, interner: interner) }
    /// The repeated arrays and dictionaries of earlier inputs (tags, attributes), so decoding
    /// a cart event builds only what is new in it.
    let interner = WireInterner()
    /// How far an event's `occurredAt` may be from its record's timestamp, in seconds,
    /// ahead and behind; `nil` skips that side. A far-future time would otherwise move the
    /// partition's stream time and expire or evict every other cart. `maxEventTimeAhead` also
    /// bounds how far one event moves the partition's stream time (see
    /// ``CartStateStore/observe(_:partition:maxAdvance:)``), for a record stamped far ahead too.
    var maxEventTimeAhead: Int?
    var maxEventTimeBehind: Int?
    /// The largest encoded cart state (it must fit one changelog record).
    var maxStateBytes: Int
    /// The largest dead letter; a bigger input is dead-lettered without its value.
    var maxDeadLetterBytes: Int

    /// The limits default to `WorkerConfiguration`'s (``init(configuration:catalog:metrics:)``
    /// passes a configuration's own).
    init(
        engine: OfferEngine, availability: ProductAvailability = .unrestricted, topics: TopicNames, eventSource: String,
        metrics: WorkerMetrics, codec: EventCodec, maxEventTimeAhead: Int? = 3600, maxEventTimeBehind: Int? = 3600,
        maxStateBytes: Int = WorkerConfiguration.defaultMaxStateBytes,
        maxDeadLetterBytes: Int = WorkerConfiguration.defaultMaxDeadLetterBytes
    ) {
        self.engine = engine
        self.availability = availability
        self.topics = topics
        sourceHeader = KafkaHeader(name: "ce_source", string: eventSource)
        self.metrics = metrics
        self.codec = codec
        self.maxEventTimeAhead = maxEventTimeAhead
        self.maxEventTimeBehind = maxEventTimeBehind
        self.maxStateBytes = maxStateBytes
        self.maxDeadLetterBytes = maxDeadLetterBytes
    }

    /// The records `record` causes (tests and tools; the loop appends into a reused array).
    func process(_ record: ConsumerRecord, store: inout CartStateStore) -> [ProducerRecord] {
        var outputs: [ProducerRecord] = []
        process(record, store: &store, into: &outputs)
        return outputs
    }

    /// Appends the records `record` causes to `outputs`: its events, or its dead letter.
    /// Each output carries on the input's W3C trace context (``TraceContext``).
    ///
    /// - Parameter decoded: for a `cart.updated` record, what ``decodeCartEvent(_:)`` made of
    ///   it (on another thread, ahead of processing); `nil` decodes here. It is only read:
    ///   whoever decoded it frees it (``DecodeAhead`` does so on its own thread).
    func process(
        _ record: ConsumerRecord, decoded: Result<CartUpdated, EventDecodingError>? = nil, store: inout CartStateStore,
        into outputs: inout [ProducerRecord]
    ) {
        let first = outputs.count
        do throws(EventDecodingError) {
            switch record.topic {
            case topics.cartUpdated:
                metrics.cartEvents.increment()
                switch decoded {
                case .some(.success(let cart)): try cartUpdated(record, cart: cart, store: &store, into: &outputs)
                case .some(.failure(let error)): throw error
                case .none: try cartUpdated(record, cart: decodeValue(of: record, wire.decodeCartUpdated), store: &store, into: &outputs)
                }
            case topics.offerAccepted:
                metrics.acceptanceEvents.increment()
                try offerAccepted(record, store: &store, into: &outputs)
            case topics.offerDeclined:
                metrics.declineEvents.increment()
                try offerDeclined(record, store: &store)
            default:
                throw EventDecodingError(reason: "unexpected topic \(record.topic)")
            }
            TraceContext.propagate(from: record, into: &outputs, startingAt: first)
        } catch {
            metrics.deadLetters.increment()
            outputs.append(ProducerRecord(deadLetterOf: record, reason: error.reason, topic: topics.deadLetter, maxBytes: maxDeadLetterBytes))
        }
    }

    /// The event of a `cart.updated` record, or why it cannot be read, exactly as
    /// ``process(_:decoded:store:into:)`` would decode it; `nil` for other topics. Touches no
    /// state, so it may run on another thread, ahead of processing (``DecodeAhead``).
    func decodeCartEvent(_ record: ConsumerRecord) -> Result<CartUpdated, EventDecodingError>? {
        guard record.topic == topics.cartUpdated else { return nil }
        do throws(EventDecodingError) {
            return .success(try decodeValue(of: record, wire.decodeCartUpdated))
        } catch {
            return .failure(error)
        }
    }

    /// Appends its outputs only once nothing can fail (a failure dead-letters the input alone).
    private func cartUpdated(
        _ record: ConsumerRecord, cart: CartUpdated, store: inout CartStateStore, into outputs: inout [ProducerRecord]
    ) throws(EventDecodingError) {
        // Equal bytes are equal strings; only other bytes need the key decoded as a string.
        guard record.withKey({ $0.map { Self.utf8(of: cart.cartId, equals: $0) } }) == true || record.keyString == cart.cartId else {
            // State is partitioned by key: a cart under the wrong key would split its state.
            throw EventDecodingError(reason: "record key \(record.keyString.map { "'\($0)'" } ?? "(none)") does not match cartId '\(cart.cartId)'")
        }
        try checkEventTime(cart.occurredAt, of: record)
        // Only the session is kept from the stored cart (and its activity time): a session
        // still shared with a copy of the cart would be copied when the engine changes it.
        var lastActivity: EventTime?
        var session = store.cart(cart.cartId, partition: record.partition).map { stored in
            lastActivity = stored.lastActivity
            return stored.session
        }
        let storedVersion = session?.cart.version
        // A redelivered or repeated event changes nothing: its version is not newer, and the
        // engine leaves the session as it was; any other event sets the new version.
        let presented = engine.cartUpdated(cart, session: &session, availability: availability)
        if let session, session.cart.version != storedVersion {
            try replace(cart.cartId, partition: record.partition, in: &store, with: StoredCart(
                session: session, lastActivity: max(lastActivity ?? cart.occurredAt, cart.occurredAt)))
            store.observe(cart.occurredAt, partition: record.partition, maxAdvance: maxEventTimeAhead)
        }
        metrics.presented.increment(by: presented.count)
        for presentation in presented { metrics.offerEvents.increment(.presented, offerId: presentation.offerId) }
        let wire = wire
        for presentation in presented { outputs.append(ProducerRecord(presentation, topic: topics.offerPresented, source: sourceHeader, wire: wire)) }
    }

    /// Appends its output only once nothing can fail, as ``cartUpdated(_:cart:store:into:)``.
    private func offerAccepted(
        _ record: ConsumerRecord, store: inout CartStateStore, into outputs: inout [ProducerRecord]
    ) throws(EventDecodingError) {
        let acceptance = try decodeValue(of: record, wire.decodeOfferAccepted)
        try checkEventTime(acceptance.occurredAt, of: record)
        let outcome = try updateKnownCart(acceptance.cartId, partition: record.partition, at: acceptance.occurredAt, store: &store) {
            engine.offerAccepted(acceptance, key: record.keyString, session: &$0, availability: availability)
        }
        switch outcome {
        case .mutation(let mutation):
            metrics.mutations.increment()
            metrics.offerEvents.increment(.mutation, offerId: mutation.offerId)
            outputs.append(ProducerRecord(mutation, topic: topics.cartMutation, source: sourceHeader, wire: wire))
        case .rejected(let rejection):
            metrics.rejections.increment()
            if let offerId = rejection.offerId { metrics.offerEvents.increment(.rejected, offerId: offerId) }
            outputs.append(ProducerRecord(rejection, topic: topics.offerRejected, source: sourceHeader, wire: wire))
        case .alreadyAccepted:
            metrics.duplicateAcceptances.increment()
        }
    }

    /// A decline changes what the cart is shown later; it causes no output of its own.
    private func offerDeclined(_ record: ConsumerRecord, store: inout CartStateStore) throws(EventDecodingError) {
        let decline = try decodeValue(of: record, wire.decodeOfferDeclined)
        try checkEventTime(decline.occurredAt, of: record)
        let outcome = try updateKnownCart(decline.cartId, partition: record.partition, at: decline.occurredAt, store: &store) {
            engine.offerDeclined(decline, key: record.keyString, session: &$0)
        }
        if case .ignored = outcome { metrics.ignoredDeclines.increment() }
    }

    /// Runs `body` on the session of a cart the worker already holds (an acceptance or a
    /// decline never creates one), keeping the change and the cart's activity time. Only an
    /// event of a known cart moves the partition's stream time.
    private func updateKnownCart<R>(
        _ cartId: String, partition: Int32, at time: EventTime, store: inout CartStateStore, _ body: (inout CartSession?) -> R
    ) throws(EventDecodingError) -> R {
        let stored = store.cart(cartId, partition: partition)
        var session = stored?.session
        let result = body(&session)
        if let session, session != stored?.session, let previous = stored {
            try replace(cartId, partition: partition, in: &store, with: StoredCart(
                session: session, lastActivity: max(previous.lastActivity, time)))
        }
        if stored != nil { store.observe(time, partition: partition, maxAdvance: maxEventTimeAhead) }
        return result
    }

    /// Stores a cart's new state, unless it is too large for one changelog record: then the
    /// event is refused and the cart keeps its previous state.
    ///
    /// The size is bounded without encoding (``StoredCart/encodedSizeBound``); only a state
    /// whose bound passes the limit is encoded to learn its size. Otherwise the store keeps
    /// it decoded and encodes it once, for the changelog, however many events change it
    /// before the changelog is taken.
    private func replace(_ cartId: String, partition: Int32, in store: inout CartStateStore, with cart: StoredCart) throws(EventDecodingError) {
        guard cart.encodedSizeBound > maxStateBytes else { return store.replace(cartId, partition: partition, with: cart) }
        let bytes = cart.encoded()
        guard bytes.count <= maxStateBytes else {
            throw EventDecodingError(reason: "the cart's state would grow to \(bytes.count) bytes, over the limit of \(maxStateBytes) (one changelog record): event refused, the cart keeps its previous state")
        }
        store.replace(cartId, partition: partition, encoded: bytes, lastActivity: cart.lastActivity)
    }

    /// Whether `string`'s UTF-8 is `bytes`, compared in place.
    private static func utf8(of string: String, equals bytes: UnsafeRawBufferPointer) -> Bool {
        string.utf8.withContiguousStorageIfAvailable { utf8 in
            utf8.count == bytes.count && (utf8.isEmpty || memcmp(utf8.baseAddress!, bytes.baseAddress!, utf8.count) == 0)
        } ?? string.utf8.elementsEqual(bytes)
    }

    /// Refuses an event whose time is implausibly far from when it was written to Kafka.
    private func checkEventTime(_ time: EventTime, of record: ConsumerRecord) throws(EventDecodingError) {
        guard let timestamp = record.timestamp else { return }
        let skew = (time.millisecondsSinceEpoch - timestamp) / 1000
        if let ahead = maxEventTimeAhead, skew > ahead {
            throw EventDecodingError(reason: "occurredAt \(time) is \(skew) s ahead of the record's timestamp, over the limit of \(ahead) s (--max-event-time-ahead)")
        }
        if let behind = maxEventTimeBehind, -skew > behind {
            throw EventDecodingError(reason: "occurredAt \(time) is \(-skew) s behind the record's timestamp, over the limit of \(behind) s (--max-event-time-behind)")
        }
    }

    /// `decode` of the record's value, read in place; an absent or empty value is refused.
    private func decodeValue<Event>(
        of record: ConsumerRecord, _ decode: (UnsafeRawBufferPointer) throws(EventDecodingError) -> Event
    ) throws(EventDecodingError) -> Event {
        try record.withValue { (value) throws(EventDecodingError) in
            guard let value, !value.isEmpty else { throw EventDecodingError(reason: "empty value") }
            return try decode(value)
        }
    }
}
