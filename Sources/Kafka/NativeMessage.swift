import CRdKafka

/// A message librdkafka fetched, kept until the last ``ConsumerRecord`` that views its key
/// and value is gone, so records are made without copying them.
///
/// Copying every value into an array of its own was a malloc, a copy and a free of about a
/// kilobyte per record on the thread that processes them. A message's bytes lie in the
/// fetch response it came in, which librdkafka frees when its last message is destroyed
/// (from any thread). The message holds the client, whose handle is destroyed only after
/// every message of it.
@usableFromInline
final class NativeMessage: @unchecked Sendable {
    // Immutable after init; librdkafka does not touch a message's bytes once it is returned.
    private let message: UnsafeMutablePointer<rd_kafka_message_t>
    private let client: NativeClient
    /// The key's bytes; `nil` for a null key.
    @usableFromInline let key: UnsafeRawBufferPointer?
    /// The value's bytes; `nil` for a null value (a tombstone).
    @usableFromInline let value: UnsafeRawBufferPointer?

    /// Takes ownership of `message`.
    init(_ message: UnsafeMutablePointer<rd_kafka_message_t>, client: NativeClient) {
        self.message = message
        self.client = client
        let m = message.pointee
        key = m.key.map { UnsafeRawBufferPointer(start: $0, count: m.key_len) }
        value = m.payload.map { UnsafeRawBufferPointer(start: $0, count: m.len) }
    }

    deinit { rd_kafka_message_destroy(message) }
}

extension NativeMessage {
    /// A message's headers, copied out of librdkafka's (a consumed record's, or a produced
    /// one's in its delivery report).
    static func headers(of message: UnsafePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var headers: [KafkaHeader] = []
        var native: OpaquePointer? = nil
        guard rd_kafka_message_headers(message, &native) == RD_KAFKA_RESP_ERR_NO_ERROR, let native else { return headers }
        var index = 0
        var name: UnsafePointer<CChar>? = nil
        var value: UnsafeRawPointer? = nil
        var size = 0
        while rd_kafka_header_get_all(native, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            headers.append(KafkaHeader(
                name: name.map { String(cString: $0) } ?? "",
                value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
            index += 1
        }
        return headers
    }

    /// A message's timestamp in milliseconds since the epoch, when it has one.
    static func timestamp(of message: UnsafePointer<rd_kafka_message_t>) -> Int64? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &type)
        return type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp
    }

    /// The record a produced message was made from, rebuilt from librdkafka's copy of it:
    /// its topic, key, value and headers, and the partition it was sent to when one was
    /// chosen. Not its timestamp: librdkafka 2.0.2 reports none for a produced message.
    static func producerRecord(of message: UnsafePointer<rd_kafka_message_t>) -> ProducerRecord {
        let m = message.pointee
        return ProducerRecord(
            topic: String(cString: rd_kafka_topic_name(m.rkt)),
            partition: m.partition >= 0 ? m.partition : nil,
            key: m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) },
            value: m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) },
            headers: headers(of: message))
    }
}
