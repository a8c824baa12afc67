import CRdKafka
import Foundation
import Logging
import Synchronization

/// A Kafka producer whose delivery reports are surfaced as async results.
///
/// `send` enqueues records and suspends until the broker has acknowledged (or refused) every
/// one of them, so a caller can commit its input offsets only after its outputs are durable.
/// A background thread serves librdkafka's callbacks.
public final class KafkaProducer: Sendable {
    private let client: NativeClient
    private let poller: PollThread
    private let logger: Logger

    /// Creates a producer. `configuration` must contain `bootstrap.servers`.
    ///
    /// Defaults set here (each can be overridden): idempotent delivery, `acks=all`, and the
    /// Java-compatible `murmur2_random` partitioner so keys land where Java clients put them.
    public init(configuration: KafkaConfiguration, logger: Logger = Logger(label: "kafka.producer")) throws(KafkaError) {
        let defaults: [String: String] = [
            "enable.idempotence": "true",
            "acks": "all",
            "partitioner": "murmur2_random",
            "linger.ms": "5",
        ]
        let configuration = KafkaConfiguration(defaults).merging(configuration.properties)
        let client = try NativeClient(type: RD_KAFKA_PRODUCER, configuration: configuration, logger: logger) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
                guard let message, let context = ClientContext.from(opaque) else { return }
                let m = message.pointee
                let token = UInt(bitPattern: m._private)
                if m.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    let topic = String(cString: rd_kafka_topic_name(m.rkt))
                    context.deliveries.complete(
                        token: token, with: .success(DeliveryReport(topic: topic, partition: m.partition, offset: m.offset)))
                } else {
                    context.deliveries.complete(token: token, with: .failure(KafkaError(m.err)))
                }
            }
        }
        self.client = client
        self.logger = logger
        poller = PollThread(name: "kafka-producer-poll") {
            rd_kafka_poll(client.handle, 100)
        }
    }

    deinit {
        poller.stop()
    }

    /// Sends one record and waits for its delivery report.
    public func send(_ record: ProducerRecord) async throws(KafkaError) -> DeliveryReport {
        try await send([record])[0].get()
    }

    /// Sends records in order and waits until every one is acknowledged or has failed.
    ///
    /// Records with the same key and partition keep their order. The result has one entry per
    /// record; records librdkafka refused to enqueue fail without being sent.
    public func send(_ records: [ProducerRecord]) async -> [Result<DeliveryReport, KafkaError>] {
        await withCheckedContinuation { continuation in
            let batch = DeliveryBatch(count: records.count, continuation: continuation)
            for (index, record) in records.enumerated() {
                let token = client.context.deliveries.register(batch, index: index)
                if let error = enqueue(record, token: token) {
                    client.context.deliveries.cancel(token: token)
                    batch.complete(index: index, with: .failure(error))
                }
            }
        }
    }

    /// Sends records and throws the first failure, if any.
    public func sendAll(_ records: [ProducerRecord]) async throws(KafkaError) {
        for result in await send(records) {
            if case .failure(let error) = result { throw error }
        }
    }

    /// Waits until every enqueued record has a delivery report, or `timeout` passes.
    public func flush(timeout: Duration = .seconds(30)) throws(KafkaError) {
        let err = rd_kafka_flush(client.handle, Int32(timeout.milliseconds))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
    }

    /// Flushes outstanding records (up to `timeout`) and stops the callback thread.
    /// The producer must not be used afterwards.
    public func close(timeout: Duration = .seconds(30)) {
        do { try flush(timeout: timeout) } catch {
            logger.warning("records still undelivered at close", metadata: ["error": "\(error)"])
        }
        poller.stop()
    }

    var nativeHandle: OpaquePointer { client.handle }

    /// The fatal error this producer raised, if any (for example a fenced idempotent producer).
    public var fatalError: KafkaError? { client.fatalError }

    /// Number of records sent whose delivery report has not arrived yet.
    public var inFlightCount: Int { client.context.deliveries.pendingCount }

    private func enqueue(_ record: ProducerRecord, token: UInt) -> KafkaError? {
        var headers: OpaquePointer? = nil
        if !record.headers.isEmpty {
            headers = rd_kafka_headers_new(record.headers.count)
            for header in record.headers {
                if let value = header.value {
                    value.withUnsafeBytes { _ = rd_kafka_header_add(headers, header.name, -1, $0.baseAddress, $0.count) }
                } else {
                    _ = rd_kafka_header_add(headers, header.name, -1, nil, 0)
                }
            }
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let error = record.topic.withCString { topic in
                withOptionalBytes(record.key) { key in
                    withOptionalBytes(record.value) { value -> OpaquePointer? in
                        var vus = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 8)
                        var n = 0
                        vus[n].vtype = RD_KAFKA_VTYPE_TOPIC; vus[n].u.cstr = topic; n += 1
                        vus[n].vtype = RD_KAFKA_VTYPE_PARTITION; vus[n].u.i32 = record.partition ?? -1; n += 1
                        vus[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS; vus[n].u.i = RD_KAFKA_MSG_F_COPY; n += 1
                        vus[n].vtype = RD_KAFKA_VTYPE_OPAQUE; vus[n].u.ptr = UnsafeMutableRawPointer(bitPattern: token); n += 1
                        if let key {
                            vus[n].vtype = RD_KAFKA_VTYPE_KEY
                            vus[n].u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress); vus[n].u.mem.size = key.count; n += 1
                        }
                        if let value {
                            vus[n].vtype = RD_KAFKA_VTYPE_VALUE
                            vus[n].u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress); vus[n].u.mem.size = value.count; n += 1
                        }
                        if let headers {
                            vus[n].vtype = RD_KAFKA_VTYPE_HEADERS; vus[n].u.headers = headers; n += 1
                        }
                        if let timestamp = record.timestamp {
                            vus[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP; vus[n].u.i64 = timestamp; n += 1
                        }
                        return rd_kafka_produceva(client.handle, vus, n)
                    }
                }
            }
            guard let error else { return nil }  // librdkafka now owns `headers`
            let failure = KafkaError(consuming: error)
            if failure.code == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue, ContinuousClock.now < deadline {
                // The local queue is full: let delivery reports drain it, then retry.
                rd_kafka_poll(client.handle, 10)
                continue
            }
            if let headers { rd_kafka_headers_destroy(headers) }
            return failure
        }
    }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}

extension Duration {
    /// Whole milliseconds, saturating.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds.multipliedReportingOverflow(by: 1000).overflow
            ? Int64.max : seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

/// A thread that runs `body` until stopped; used to serve librdkafka callbacks.
final class PollThread: Sendable {
    private let running = Atomic<Bool>(true)
    private let finished = DispatchSemaphore(value: 0)

    init(name: String, body: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            while running.load(ordering: .acquiring) { body() }
            finished.signal()
        }
        thread.name = name
        thread.start()
    }

    func stop() {
        if running.exchange(false, ordering: .acquiringAndReleasing) { finished.wait() }
    }
}
