import CRdKafka

/// Hands one record to librdkafka (`rd_kafka_produceva`, payload copied), shared by
/// ``KafkaProducer`` and ``KafkaPipelineProducer``.
enum NativeProduce {
    /// The producer defaults both producers set (each can be overridden): idempotent
    /// delivery, `acks=all`, and the Java-compatible `murmur2_random` partitioner so keys
    /// land where Java clients put them.
    static let defaults: [String: String] = [
        "enable.idempotence": "true",
        "acks": "all",
        "partitioner": "murmur2_random",
        "linger.ms": "5",
    ]

    /// Enqueues `record` with `token` as its `msg_opaque`, through `topicHandle` (the
    /// record's topic's) when given. When librdkafka's local queue is full it serves delivery
    /// reports (`rd_kafka_poll`) and tries again, for up to 30 seconds.
    static func enqueue(_ handle: OpaquePointer, _ record: ProducerRecord, topicHandle: OpaquePointer? = nil, token: UInt) -> KafkaError? {
        withOptionalBytes(record.key) { key in
            withOptionalBytes(record.value) { value in
                enqueue(handle, topic: record.topic, topicHandle: topicHandle, partition: record.partition, key: key, value: value,
                        headers: record.headers, timestamp: record.timestamp, token: token)
            }
        }
    }

    /// ``enqueue(_:_:token:)`` of a record given by its parts, the key and value where they
    /// lie (librdkafka copies them).
    static func enqueue(
        _ handle: OpaquePointer, topic: String, topicHandle: OpaquePointer? = nil, partition: Int32?, key: UnsafeRawBufferPointer?,
        value: UnsafeRawBufferPointer?, headers recordHeaders: [KafkaHeader], timestamp: Int64?, token: UInt
    ) -> KafkaError? {
        var headers: OpaquePointer? = nil
        if !recordHeaders.isEmpty {
            headers = rd_kafka_headers_new(recordHeaders.count)
            for header in recordHeaders {
                // The name by its UTF-8 bytes and length: passed as a C string, a short name
                // (stored inside the String) was copied into a new array for every header.
                var name = header.name
                name.withUTF8 { name in
                    let namePointer = UnsafeRawPointer(name.baseAddress).map { $0.assumingMemoryBound(to: CChar.self) }
                    if let value = header.value {
                        value.withUnsafeBytes { _ = rd_kafka_header_add(headers, namePointer, name.count, $0.baseAddress, $0.count) }
                    } else {
                        _ = rd_kafka_header_add(headers, namePointer, name.count, nil, 0)
                    }
                }
            }
        }
        var deadline: ContinuousClock.Instant?
        while true {
            let error = withTopic(topic, handle: topicHandle) { topic in
                withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 8) { vus -> OpaquePointer? in
                    var n = 0
                    func add(_ type: rd_kafka_vtype_t, _ set: (inout rd_kafka_vu_t) -> Void) {
                        var vu = rd_kafka_vu_t()
                        vu.vtype = type
                        set(&vu)
                        vus.initializeElement(at: n, to: vu)
                        n += 1
                    }
                    switch topic {
                    case .handle(let rkt): add(RD_KAFKA_VTYPE_RKT) { $0.u.rkt = rkt }
                    case .name(let name): add(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = name }
                    }
                    add(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition ?? -1 }
                    add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                    add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = UnsafeMutableRawPointer(bitPattern: token) }
                    if let key {
                        add(RD_KAFKA_VTYPE_KEY) { $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress); $0.u.mem.size = key.count }
                    }
                    if let value {
                        add(RD_KAFKA_VTYPE_VALUE) { $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress); $0.u.mem.size = value.count }
                    }
                    if let headers { add(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = headers } }
                    if let timestamp { add(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = timestamp } }
                    defer { vus.baseAddress!.deinitialize(count: n) }
                    return rd_kafka_produceva(handle, vus.baseAddress, n)
                }
            }
            guard let error else { return nil }  // librdkafka now owns `headers`
            let failure = KafkaError(consuming: error)
            if failure.code == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue {
                let limit = deadline ?? ContinuousClock.now + .seconds(30)
                deadline = limit
                if ContinuousClock.now < limit {
                    // The local queue is full: let delivery reports drain it, then retry.
                    rd_kafka_poll(handle, 10)
                    continue
                }
            }
            if let headers { rd_kafka_headers_destroy(headers) }
            return failure
        }
    }
}

/// How a record names its topic to `rd_kafka_produceva`.
private enum NativeTopic {
    case handle(OpaquePointer)
    case name(UnsafePointer<CChar>)
}

/// `body` with the topic's handle when there is one, or else its name as a C string.
private func withTopic<R>(_ topic: String, handle: OpaquePointer?, _ body: (NativeTopic) -> R) -> R {
    if let handle { return body(.handle(handle)) }
    return topic.withCString { body(.name($0)) }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}
