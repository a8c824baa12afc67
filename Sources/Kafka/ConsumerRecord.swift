/// A record read from Kafka.
///
/// A record the consumer returns views its key and value in librdkafka's message (see
/// ``withKey(_:)`` and ``withValue(_:)``, which do not copy); ``key`` and ``value`` copy them
/// into arrays when asked. Records compare and hash by content, however they are held.
public struct ConsumerRecord: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var headers: [KafkaHeader]
    /// Record timestamp in milliseconds since the epoch, when the broker gave one.
    public var timestamp: Int64?

    // Inlinable, with the accessors below: called for every record on the hot path, an
    // unspecialized generic call cost more than the copy it saves.
    /// The message whose key and value this record views, while they are not replaced.
    @usableFromInline var message: NativeMessage?
    @usableFromInline var keyInMessage = false
    @usableFromInline var valueInMessage = false
    @usableFromInline var storedKey: [UInt8]?
    @usableFromInline var storedValue: [UInt8]?

    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?,
        headers: [KafkaHeader] = [], timestamp: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.storedKey = key
        self.storedValue = value
        self.headers = headers
        self.timestamp = timestamp
    }

    /// A record viewing `message`'s key and value.
    init(topic: String, partition: Int32, offset: Int64, message: NativeMessage, headers: [KafkaHeader], timestamp: Int64?) {
        self.init(topic: topic, partition: partition, offset: offset, key: nil, value: nil, headers: headers, timestamp: timestamp)
        self.message = message
        keyInMessage = true
        valueInMessage = true
    }

    /// The key, copied into an array; `nil` for a null key.
    public var key: [UInt8]? {
        get { keyInMessage ? message.unsafelyUnwrapped.key.map { Array($0) } : storedKey }
        set {
            storedKey = newValue
            keyInMessage = false
        }
    }

    /// The value, copied into an array; `nil` for a null value (a tombstone).
    public var value: [UInt8]? {
        get { valueInMessage ? message.unsafelyUnwrapped.value.map { Array($0) } : storedValue }
        set {
            storedValue = newValue
            valueInMessage = false
        }
    }

    /// Calls `body` with the key's bytes (`nil` for a null key), without copying them.
    @inlinable
    public func withKey<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer?) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        if keyInMessage { return try body(message.unsafelyUnwrapped.key) }
        return try Self.withBytes(storedKey, body)
    }

    /// Calls `body` with the value's bytes (`nil` for a null value), without copying them.
    @inlinable
    public func withValue<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer?) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        if valueInMessage { return try body(message.unsafelyUnwrapped.value) }
        return try Self.withBytes(storedValue, body)
    }

    /// The value's size in bytes; `nil` for a null value.
    public var valueCount: Int? { withValue { $0?.count } }

    @inlinable
    static func withBytes<Result, Failure: Error>(
        _ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        guard let bytes else { return try body(nil) }
        // `withUnsafeBufferPointer` passes a typed error through; `withUnsafeBytes` does not.
        return try bytes.withUnsafeBufferPointer { (buffer) throws(Failure) in try body(UnsafeRawBufferPointer(buffer)) }
    }

    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }

    /// The key decoded as UTF-8, when present.
    public var keyString: String? { withKey { $0.map { String(decoding: $0, as: UTF8.self) } } }

    /// The value of the first header called `name`.
    public func header(_ name: String) -> KafkaHeader? { headers.first { $0.name == name } }

    public static func == (lhs: ConsumerRecord, rhs: ConsumerRecord) -> Bool {
        lhs.topic == rhs.topic && lhs.partition == rhs.partition && lhs.offset == rhs.offset && lhs.headers == rhs.headers
            && lhs.timestamp == rhs.timestamp
            && lhs.withKey { a in rhs.withKey { b in equal(a, b) } } && lhs.withValue { a in rhs.withValue { b in equal(a, b) } }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(topic)
        hasher.combine(partition)
        hasher.combine(offset)
        hasher.combine(headers)
        hasher.combine(timestamp)
        withKey { Self.hash($0, into: &hasher) }
        withValue { Self.hash($0, into: &hasher) }
    }

    private static func hash(_ bytes: UnsafeRawBufferPointer?, into hasher: inout Hasher) {
        hasher.combine(bytes?.count ?? -1)
        if let bytes { hasher.combine(bytes: bytes) }
    }

    private static func equal(_ a: UnsafeRawBufferPointer?, _ b: UnsafeRawBufferPointer?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return a.elementsEqual(b)
    }
}
