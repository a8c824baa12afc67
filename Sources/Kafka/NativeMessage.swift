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
