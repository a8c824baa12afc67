import Foundation
import Kafka
import OfferEngine
import OfferWorker
import Testing

/// Broker faults through the embedded cluster's fault hooks. In every case the outputs are
/// reconciled against the inputs: each input's outputs arrive, byte for byte, exactly once
/// after dropping redelivered duplicates by id.
@Suite("Broker faults: keep working, lose nothing", .serialized)
struct BrokerFaultTests {
    // Kafka protocol error codes.
    static let requestTimedOut: Int32 = 7
    static let notLeaderForPartition: Int32 = 6
    static let coordinatorLoadInProgress: Int32 = 14
    static let topicAuthorizationFailed: Int32 = 29
    static let groupAuthorizationFailed: Int32 = 30
    static let invalidRecord: Int32 = 87

    static func carts(_ prefix: String, _ count: Int, minute: Int = 0) -> [CartUpdated] {
        (0..<count).map { Fixtures.cart("\(prefix)-\($0)", minute: minute, lines: [Fixtures.phoneLine, Fixtures.cableLine]) }
    }

    @Test("broker down for 5 s mid-stream: the worker resumes by itself and every input gets its output")
    func brokerDownAndUp() async throws {
        let harness = try await WorkerHarness(offers: Fixtures.offers)
        try await harness.send(Self.carts("before", 20))
        _ = try await harness.read(harness.topics.offerPresented, count: 10)

        let broker = harness.cluster.brokerIds[0]
        harness.cluster.setBrokerDown(broker)
        // Sent while the broker is down: the producer holds them until it is back.
        let pending = Task { try await harness.send(Self.carts("during", 20, minute: 1)) }
        try await Task.sleep(for: .seconds(5))
        harness.cluster.setBrokerUp(broker)
        try await pending.value
        try await harness.send(Self.carts("after", 20, minute: 2))

        let reconciliation = try Reconciliation(inputs: try await harness.inputs(carts: 60), offers: Fixtures.offers)
        #expect(reconciliation.expected.count == 120)
        try await reconciliation.check(kafka: harness.kafka)
        try await harness.stop()
    }

    @Test("retriable produce and commit errors are retried without loss: librdkafka's retries, then, past message.timeout.ms, the worker's own")
    func retriableErrors() async throws {
        // The worker's deliveries time out after 500 ms: errors that last longer reach its own
        // retry path (librdkafka retries each record internally until then).
        let harness = try await WorkerHarness(offers: Fixtures.offers, kafkaProperties: ["message.timeout.ms": "500"], startWorker: false)
        try await harness.send(Self.carts("warm", 4))
        try await harness.send(Self.carts("retry", 30, minute: 1))
        // Dead letters meet the same errors.
        for index in 0..<5 { try await harness.sendRaw(topic: harness.topics.cartUpdated, key: "junk-\(index)", value: Array("not json \(index)".utf8)) }

        // Armed once every input is stored, so the worker's requests, not the test's, meet them.
        harness.cluster.injectRequestErrors(
            apiKey: KafkaAPIKey.produce,
            errors: [Self.notLeaderForPartition, Self.requestTimedOut, Self.notLeaderForPartition] + Array(repeating: Self.requestTimedOut, count: 30))
        harness.cluster.injectRequestErrors(apiKey: KafkaAPIKey.offsetCommit, errors: [Self.coordinatorLoadInProgress, Self.requestTimedOut, Self.coordinatorLoadInProgress])
        // And the broker answers slower than message.timeout.ms until the worker has retried a
        // delivery itself: a count of errors alone may be used up by librdkafka's own retries
        // within the 500 ms (the worker's requests start at once; it knows its topics).
        let broker = harness.cluster.brokerIds[0]
        harness.cluster.setRoundTripTime(.milliseconds(600), brokerId: broker)
        harness.startWorker()
        let slowUntil = ContinuousClock.now + .seconds(60)
        while harness.logs.count("retrying an undelivered record") == 0, ContinuousClock.now < slowUntil {
            try await Task.sleep(for: .milliseconds(100))
        }
        harness.cluster.setRoundTripTime(.zero, brokerId: broker)

        let reconciliation = try Reconciliation(inputs: try await harness.inputs(carts: 39), offers: Fixtures.offers)
        #expect(reconciliation.expected.keys.filter { $0.topic == harness.topics.deadLetter }.count == 5)
        try await reconciliation.check(kafka: harness.kafka)
        // The worker's own retry path ran, not only librdkafka's.
        let retries = harness.logs.count("retrying an undelivered record")
        print("retriable errors: the worker retried \(retries) deliveries; first: \(harness.logs.messages.first { $0.contains("retrying") } ?? "none")")
        #expect(retries > 0, "\(harness.logs.messages.prefix(20))")
        // The worker is still running: a new cart is still answered.
        try await harness.send([Fixtures.cart("still-alive", minute: 2, lines: [Fixtures.phoneLine])])
        try await Reconciliation(inputs: try await harness.inputs(carts: 40), offers: Fixtures.offers).check(kafka: harness.kafka)
        #expect(harness.worker.isRunning)
        try await harness.stop()
    }

    @Test("outputs the broker refuses after they were sent (INVALID_RECORD in their report) are replaced by their input's dead letter; the worker goes on")
    func outputRefusedInItsReport() async throws {
        let harness = try await WorkerHarness(offers: Fixtures.offers, startWorker: false)
        try await harness.send(Self.carts("refused", 1))
        // The next produce request fails as a whole: the worker's first, the cart's two
        // presentations.
        harness.cluster.injectRequestErrors(apiKey: KafkaAPIKey.produce, errors: [Self.invalidRecord])
        _ = harness.startWorker()
        let letters = try await harness.read(harness.topics.deadLetter, count: 2)
        for letter in letters {
            #expect(letter.keyString == "refused-0")
            #expect(letter.header("dlq_reason")?.stringValue?.contains("output to offer.presented refused by Kafka") == true,
                    "\(letter.header("dlq_reason")?.stringValue ?? "no reason")")
            #expect(letter.header("dlq_source_topic")?.stringValue == harness.topics.cartUpdated)
        }
        // The path that ran: the refusal came back in the delivery report.
        #expect(harness.logs.count("an output was refused by Kafka; its input goes to the dead-letter topic") == 2, "\(harness.logs.messages.suffix(10))")

        try await harness.send(Self.carts("after", 1))
        // Nothing of the refused cart was stored: the next presentations are the later cart's.
        let after = try await harness.read(OfferPresented.self, harness.topics.offerPresented, count: 2)
        #expect(after.map(\.cartId) == ["after-0", "after-0"])
        #expect(harness.worker.isRunning)
        try await harness.stop()
    }

    @Test("a non-retriable produce error stops the worker with a clear error; a restart continues without loss")
    func fatalProduceError() async throws {
        let harness = try await WorkerHarness(offers: Fixtures.offers, startWorker: false)
        try await harness.send(Self.carts("doomed", 12))
        harness.cluster.injectRequestErrors(apiKey: KafkaAPIKey.produce, errors: [Self.topicAuthorizationFailed])
        let first = harness.startWorker()
        let error = await first.stopped(within: .seconds(30))
        #expect(error != nil && !(error is WorkerStillRunning), "the worker should stop by itself")
        #expect("\(error.map { "\($0)" } ?? "")".contains("TOPIC_AUTHORIZATION_FAILED"), "error: \(String(describing: error))")

        harness.cluster.clearRequestErrors(apiKey: KafkaAPIKey.produce)
        let second = harness.startWorker()
        let reconciliation = try Reconciliation(inputs: try await harness.inputs(carts: 12), offers: Fixtures.offers)
        try await reconciliation.check(kafka: harness.kafka)
        try await second.stop()
        await harness.producer.close()
    }

    @Test("a non-retriable commit error stops the worker uncommitted; a restart re-reads the inputs, finds them applied in the restored state, and loses nothing")
    func fatalCommitError() async throws {
        let harness = try await WorkerHarness(offers: Fixtures.offers, startWorker: false)
        try await harness.send(Self.carts("uncommitted", 12))
        // Every commit fails until the worker stops: a later interval's commit, already on its
        // way when the first failure is seen, and the commit on the way out, fail too.
        harness.cluster.injectRequestErrors(apiKey: KafkaAPIKey.offsetCommit, errors: Array(repeating: Self.groupAuthorizationFailed, count: 10))
        let first = harness.startWorker()
        let error = await first.stopped(within: .seconds(30))
        #expect(error != nil && !(error is WorkerStillRunning), "the worker should stop by itself")
        #expect("\(error.map { "\($0)" } ?? "")".contains("GROUP_AUTHORIZATION_FAILED"), "error: \(String(describing: error))")

        harness.cluster.clearRequestErrors(apiKey: KafkaAPIKey.offsetCommit)
        let inputs = try await harness.inputs(carts: 12)
        #expect(try await harness.committed(inputs).isEmpty, "nothing may be committed after the failed commit")
        let second = harness.startWorker()
        try await harness.waitUntilCommitted(inputs)
        let reconciliation = try Reconciliation(inputs: inputs, offers: Fixtures.offers)
        let duplicates = try await reconciliation.check(kafka: harness.kafka)
        // The first worker delivered the outputs and wrote the state before its commit failed:
        // the second restores that state, so re-reading the inputs emits nothing twice.
        #expect(duplicates == 0)
        try await second.stop()
        await harness.producer.close()
    }

    @Test("a slow broker (200 ms round trip) slows the worker down but every output is right")
    func slowBroker() async throws {
        let harness = try await WorkerHarness(offers: Fixtures.offers)
        harness.cluster.setRoundTripTime(.milliseconds(200), brokerId: harness.cluster.brokerIds[0])
        let start = ContinuousClock.now
        try await harness.send(Self.carts("slow", 40))
        let reconciliation = try Reconciliation(inputs: try await harness.inputs(carts: 40), offers: Fixtures.offers)
        try await reconciliation.check(kafka: harness.kafka)
        print("slow broker: 40 carts reconciled in \(ContinuousClock.now - start)")
        harness.cluster.setRoundTripTime(.zero, brokerId: harness.cluster.brokerIds[0])
        try await harness.stop()
    }
}
