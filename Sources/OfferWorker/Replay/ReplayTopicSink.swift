import Kafka
import Logging

/// Produces a replay's outputs to Kafka: to sandbox topics (each output topic's name with a
/// prefix, `replay.offer.presented`), or to the live ones only when asked to
/// (`--write-live-topics`). Records keep the worker's keys, values, headers and timestamps,
/// and go through the producer with the worker's defaults (idempotent, `acks=all`,
/// `murmur2_random` by key), so a sandbox topic with the live topic's partition count gets
/// each record on the partition the worker would have used.
final class ReplayTopicSink: ReplayOutputSink {
    private let producer: KafkaPipelineProducer
    private let topicName: (String) -> String
    private let logger: Logger
    private var inFlight = 0
    private var nextToken: UInt = 1
    private var failure: KafkaError?
    /// Records acknowledged by the brokers.
    private(set) var delivered = 0

    private static let maxInFlight = 20_000

    init(kafka: KafkaConfiguration, topicName: @escaping (String) -> String, logger: Logger) throws(KafkaError) {
        producer = try KafkaPipelineProducer(configuration: kafka.forProducer(), logger: logger)
        self.topicName = topicName
        self.logger = logger
    }

    func write(_ record: ProducerRecord) throws {
        var record = record
        record.topic = topicName(record.topic)
        try producer.produce(record, token: nextToken)
        nextToken &+= 1
        inFlight += 1
        takeDeliveries(timeout: .zero)
        while inFlight >= Self.maxInFlight, failure == nil { takeDeliveries(timeout: .milliseconds(10)) }
        if let failure { throw WorkerError.deliveryFailed(topic: "a replay output topic", error: failure) }
    }

    func finish() throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while inFlight > 0, failure == nil, ContinuousClock.now < deadline { takeDeliveries(timeout: .milliseconds(50)) }
        if let failure { throw WorkerError.deliveryFailed(topic: "a replay output topic", error: failure) }
        if inFlight > 0 { throw KafkaError.timedOut("\(inFlight) replay outputs not acknowledged within 60 s") }
    }

    private func takeDeliveries(timeout: Duration) {
        producer.pollDeliveries(timeout: timeout) { delivery in
            inFlight -= 1
            if let error = delivery.error {
                if failure == nil { failure = error }
            } else {
                delivered += 1
            }
        }
    }
}
