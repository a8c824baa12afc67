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
    /// Serial, so records of successive sends keep their order.
    private let enqueueing = BlockingThread(name: "kafka-enqueue")
    private let logger: Logger

    /// Creates a producer. `configuration` must contain `bootstrap.servers`.
    ///
    /// Defaults set here (each can be overridden): idempotent delivery, `acks=all`, and the
    /// Java-compatible `murmur2_random` partitioner so keys land where Java clients put them.
    public init(configuration: KafkaConfiguration, logger: Logger = Logger(label: "kafka.producer")) throws(KafkaError) {
        let configuration = KafkaConfiguration(NativeProduce.defaults).merging(configuration.properties)
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
        poller = PollThread(name: "kafka-prod-poll") {
            rd_kafka_poll(client.handle, 100)
        }
    }

    deinit {
        // Never waits: a deinit may run on a Swift concurrency thread.
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
    ///
    /// Cancelling the calling task stops the wait at once: records not yet settled fail with
    /// ``KafkaError/cancelled`` (records already handed to librdkafka may still be delivered,
    /// since Kafka has no way to take one back; nothing is enqueued after the cancellation).
    public func send(_ records: [ProducerRecord]) async -> [Result<DeliveryReport, KafkaError>] {
        let cancellation = SendCancellation()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let batch = DeliveryBatch(count: records.count, continuation: continuation)
                guard cancellation.attach(batch) else { return }
                // Enqueueing waits while librdkafka's local queue is full: not on a pool thread.
                enqueueing.submit { [self] in
                    for (index, record) in records.enumerated() {
                        if cancellation.isCancelled {
                            batch.complete(index: index, with: .failure(.cancelled))
                            continue
                        }
                        let token = client.context.deliveries.register(batch, index: index)
                        if let error = enqueue(record, token: token) {
                            client.context.deliveries.cancel(token: token)
                            batch.complete(index: index, with: .failure(error))
                        }
                    }
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
    }

    /// Sends records and throws the first failure, if any.
    public func sendAll(_ records: [ProducerRecord]) async throws(KafkaError) {
        for result in await send(records) {
            if case .failure(let error) = result { throw error }
        }
    }

    /// Waits until every enqueued record has a delivery report, or `timeout` passes.
    ///
    /// The wait runs on a dispatch queue, never on a Swift concurrency thread.
    public func flush(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        try await runBlockingThrowing { [self] () throws(KafkaError) in try flushBlocking(timeout: timeout) }
    }

    /// ``flush(timeout:)`` on the calling thread, which it blocks: for threads the caller owns.
    public func flushBlocking(timeout: Duration = .seconds(30)) throws(KafkaError) {
        let err = rd_kafka_flush(client.handle, Int32(clamping: timeout.milliseconds))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
    }

    /// Flushes outstanding records (up to `timeout`) and stops the callback thread, waiting
    /// on a dispatch queue rather than a Swift concurrency thread. Records still undelivered
    /// at the deadline are logged and their senders see them fail when the client goes.
    /// The producer must not be used afterwards.
    public func close(timeout: Duration = .seconds(30)) async {
        await runBlocking { [self] in closeBlocking(timeout: timeout) }
    }

    /// ``close(timeout:)`` on the calling thread, which it blocks: for threads the caller owns.
    public func closeBlocking(timeout: Duration = .seconds(30)) {
        do { try flushBlocking(timeout: timeout) } catch {
            logger.warning("records still undelivered at close", metadata: ["error": "\(error)", "records": "\(inFlightCount)"])
        }
        poller.stopAndWait()
    }

    var nativeHandle: OpaquePointer { client.handle }

    /// The fatal error this producer raised, if any (for example a fenced idempotent producer).
    public var fatalError: KafkaError? { client.fatalError }

    /// Number of records sent whose delivery report has not arrived yet.
    public var inFlightCount: Int { client.context.deliveries.pendingCount }

    private func enqueue(_ record: ProducerRecord, token: UInt) -> KafkaError? {
        NativeProduce.enqueue(client.handle, record, token: token)
    }
}

extension Duration {
    /// Whole milliseconds, saturating.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds.multipliedReportingOverflow(by: 1000).overflow
            ? Int64.max : seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
