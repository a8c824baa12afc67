import Kafka
import OfferEngine

/// An output event: the JSON body plus what its CloudEvents headers need.
protocol OutputEvent: Encodable {
    /// The CloudEvents `type`, for example `dev.offerworker.offer.presented`.
    static var eventType: String { get }
    var eventId: String { get }
    var cartId: String { get }
    var occurredAt: EventTime { get }
}

extension OfferPresented: OutputEvent {
    static let eventType = "dev.offerworker.offer.presented"
}

extension CartMutation: OutputEvent {
    static let eventType = "dev.offerworker.cart.mutation"
}

extension OfferRejected: OutputEvent {
    static let eventType = "dev.offerworker.offer.rejected"
}

extension ProducerRecord {
    /// An output record in CloudEvents 1.0 Kafka binary mode: keyed by cartId, stamped with
    /// the event's time (never the wall clock), so replays give identical records.
    init<Event: OutputEvent>(_ event: Event, topic: String, source: String, codec: EventCodec) {
        self.init(
            topic: topic,
            key: Array(event.cartId.utf8),
            value: codec.encode(event),
            headers: [
                KafkaHeader(name: "ce_specversion", string: "1.0"),
                KafkaHeader(name: "ce_id", string: event.eventId),
                KafkaHeader(name: "ce_type", string: Event.eventType),
                KafkaHeader(name: "ce_source", string: source),
                KafkaHeader(name: "ce_time", string: event.occurredAt.description),
                KafkaHeader(name: "ce_subject", string: event.cartId),
                KafkaHeader(name: "content-type", string: "application/json"),
            ],
            timestamp: event.occurredAt.millisecondsSinceEpoch)
    }

    /// A dead letter: the input record's key, value and headers unchanged, plus headers
    /// saying why it was refused and where it came from.
    init(deadLetterOf record: ConsumerRecord, reason: String, topic: String) {
        self.init(
            topic: topic,
            key: record.key,
            value: record.value,
            headers: record.headers + [
                KafkaHeader(name: "dlq_reason", string: reason),
                KafkaHeader(name: "dlq_source_topic", string: record.topic),
                KafkaHeader(name: "dlq_source_partition", string: String(record.partition)),
                KafkaHeader(name: "dlq_source_offset", string: String(record.offset)),
            ],
            timestamp: record.timestamp)
    }
}
