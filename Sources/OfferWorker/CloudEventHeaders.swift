import EventWire
import Kafka
import OfferEngine

/// An output event: the JSON body plus what its CloudEvents headers need.
protocol OutputEvent: Encodable {
    /// The CloudEvents `type`, for example `dev.offerworker.offer.presented`.
    static var eventType: String { get }
    /// `ce_type` as a header, made once per type (outputs are made per event).
    static var typeHeader: KafkaHeader { get }
    /// The event's JSON (EventWire, byte for byte `EventCodec`), in an array of its size.
    func encoded(with wire: WireCodec) -> [UInt8]
    var eventId: String { get }
    var cartId: String { get }
    var occurredAt: EventTime { get }
}

extension OfferPresented: OutputEvent {
    static let eventType = "dev.offerworker.offer.presented"
    static let typeHeader = KafkaHeader(name: "ce_type", string: eventType)
    func encoded(with wire: WireCodec) -> [UInt8] { wire.encoded(self) }
}

extension CartMutation: OutputEvent {
    static let eventType = "dev.offerworker.cart.mutation"
    static let typeHeader = KafkaHeader(name: "ce_type", string: eventType)
    func encoded(with wire: WireCodec) -> [UInt8] { wire.encoded(self) }
}

extension OfferRejected: OutputEvent {
    static let eventType = "dev.offerworker.offer.rejected"
    static let typeHeader = KafkaHeader(name: "ce_type", string: eventType)
    func encoded(with wire: WireCodec) -> [UInt8] { wire.encoded(self) }
}

private let specVersionHeader = KafkaHeader(name: "ce_specversion", string: "1.0")
private let contentTypeHeader = KafkaHeader(name: "content-type", string: "application/json")

extension ProducerRecord {
    /// An output record in CloudEvents 1.0 Kafka binary mode: keyed by cartId, stamped with
    /// the event's time (never the wall clock), so replays give identical records.
    ///
    /// `source` is the `ce_source` header, made once by the caller.
    init<Event: OutputEvent>(_ event: Event, topic: String, source: KafkaHeader, wire: WireCodec) {
        // The key and `ce_subject` share one array; `ce_time` is written as bytes, as the
        // body writes times (``EventTime/description``).
        let cartId = Array(event.cartId.utf8)
        self.init(
            topic: topic,
            key: cartId,
            value: event.encoded(with: wire),
            headers: [
                specVersionHeader,
                KafkaHeader(name: "ce_id", string: event.eventId),
                Event.typeHeader,
                source,
                KafkaHeader(name: "ce_time", value: WireCodec.timeText(event.occurredAt)),
                KafkaHeader(name: "ce_subject", value: cartId),
                contentTypeHeader,
            ],
            timestamp: event.occurredAt.millisecondsSinceEpoch)
    }

    /// A dead letter: the input record's key, value and headers unchanged (but for a
    /// `traceparent`, which becomes the dead letter's child span: see ``TraceContext``), plus headers
    /// saying why it was refused and where it came from, and a `ce_id` derived from that
    /// place, so a consumer can drop the copy a restart writes again.
    ///
    /// It always fits in `maxBytes`: when the whole record would not, the value is omitted
    /// (`dlq_value_omitted: true`; `dlq_original_size` and the source coordinates say where
    /// to fetch it while the source retains it), then the original headers and key.
    init(deadLetterOf record: ConsumerRecord, reason: String, topic: String, maxBytes: Int = WorkerConfiguration.defaultMaxDeadLetterBytes) {
        var why = reason
        if why.utf8.count > 1024 { why = String(decoding: why.utf8.prefix(1000), as: UTF8.self) + "… (truncated)" }
        let coordinates = "\(record.topic)/\(record.partition)/\(record.offset)"
        var ours = [
            KafkaHeader(name: "ce_id", string: EventID.derive("dead-letter", coordinates)),
            KafkaHeader(name: "dlq_reason", string: why),
            KafkaHeader(name: "dlq_source_topic", string: record.topic),
            KafkaHeader(name: "dlq_source_partition", string: String(record.partition)),
            KafkaHeader(name: "dlq_source_offset", string: String(record.offset)),
            KafkaHeader(name: "dlq_original_size", string: String(record.value?.count ?? 0)),
        ]
        func size(_ key: [UInt8]?, _ value: [UInt8]?, _ headers: [KafkaHeader]) -> Int {
            // librdkafka counts key, value and headers; 64 bytes a header covers its framing.
            (key?.count ?? 0) + (value?.count ?? 0) + headers.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) + 64 }
        }
        var key = record.key
        var value = record.value
        // The input's headers, its `traceparent` turned into the dead letter's child span.
        let original = TraceContext.deadLetterHeaders(of: record)
        var headers = original + ours
        if size(key, value, headers) > maxBytes {
            value = nil
            ours.append(KafkaHeader(name: "dlq_value_omitted", string: "true"))
            headers = original + ours
        }
        if size(key, value, headers) > maxBytes {
            ours.append(KafkaHeader(name: "dlq_headers_omitted", string: String(record.headers.count)))
            headers = ours
        }
        if size(key, value, headers) > maxBytes {
            ours.append(KafkaHeader(name: "dlq_key_omitted", string: String(key?.count ?? 0)))
            key = nil
            headers = ours
        }
        self.init(topic: topic, key: key, value: value, headers: headers, timestamp: record.timestamp)
    }
}
