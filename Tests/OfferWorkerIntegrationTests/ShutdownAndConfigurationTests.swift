import Foundation
import Kafka
import OfferEngine
import OfferWorker
import Testing

@Suite("Process lifecycle and start-up checks", .serialized)
struct ShutdownAndConfigurationTests {
    @Test("SIGTERM stops the worker process cleanly: outputs flushed, offsets committed, exit 0")
    func sigtermCommitsAndExits() async throws {
        let topics = TopicNames()
        let cluster = try EmbeddedKafkaCluster.withWorkerTopics(topics, partitions: 3)
        let kafka = KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers])
        let offersFile = FileManager.default.temporaryDirectory.appendingPathComponent("offers-\(UUID()).json")
        let catalog = try JSONEncoder().encode(["offers": Fixtures.offers])
        try catalog.write(to: offersFile)
        defer { try? FileManager.default.removeItem(at: offersFile) }

        let worker = Process()
        worker.executableURL = CommandLine.executable
        worker.arguments = ["run", "--bootstrap-servers", cluster.bootstrapServers, "--offers", offersFile.path,
                            "--group-id", "sigterm-group", "--log-level", "warning"]
        try worker.run()

        let producer = try KafkaProducer(configuration: kafka)
        let carts = (0..<9).map { Fixtures.cart("c\($0)", lines: [Fixtures.phoneLine]) }
        let reports = try await producer.send(carts.map {
            ProducerRecord(topic: topics.cartUpdated, key: Array($0.cartId.utf8), value: Fixtures.codec.encode($0), timestamp: $0.occurredAt.millisecondsSinceEpoch)
        }).map { try $0.get() }
        await producer.close()
        let reader = try await KafkaTopicReader(configuration: kafka, topics: [topics.offerPresented])
        _ = try await reader.read(topic: topics.offerPresented, count: 18)

        kill(worker.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(30)
        while worker.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!worker.isRunning, "worker did not stop within 30 s of SIGTERM")
        #expect(worker.terminationStatus == 0)

        var expected: [TopicPartition: Int64] = [:]
        for report in reports {
            let tp = TopicPartition(topic: report.topic, partition: report.partition)
            expected[tp] = max(expected[tp] ?? 0, report.offset + 1)
        }
        let inspector = try KafkaConsumer(configuration: kafka.merging(["group.id": "sigterm-group"]))
        let committed = try await inspector.committed(Array(expected.keys))
        #expect(committed == expected)
        await reader.close()
    }

    @Test("SIGTERM with the broker down: the worker exits within --shutdown-timeout plus a few seconds, and commits nothing it had not delivered")
    func shutdownWithBrokerDown() async throws {
        let group = try await WorkerGroup(partitions: 2)
        let worker = try group.startWorker(["--shutdown-timeout", "5", "--metrics-port", "0"])
        try await group.send(carts: BrokerFaultTests.carts("settled", 10))
        try await group.waitUntilCommitted(try await group.inputs(carts: 10))
        let port = try #require(worker.lastValue(of: "port", inLinesContaining: "metrics endpoint listening"))

        // A slow broker, so the next carts' outputs are still in flight when it goes down: it goes
        // down as soon as the worker has processed them (three seconds before their acknowledgements
        // could come; with one second, a loaded machine had them acknowledged and committed first).
        let broker = group.broker.embedded!.brokerIds[0]
        group.broker.embedded!.setRoundTripTime(.milliseconds(3000), brokerId: broker)
        try await group.send(carts: BrokerFaultTests.carts("in-flight", 40, minute: 1))
        let processedDeadline = ContinuousClock.now + .seconds(30)
        var processed = 0.0
        while processed < 50 && ContinuousClock.now < processedDeadline {
            let metrics = PrometheusText(try await offPool { try RawHTTPConnection(port: port).get("/metrics").body })
            processed = metrics.value("offer_worker_event_processing_seconds_count") ?? 0
            if processed < 50 { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(processed == 50, "the worker processed \(processed) of 50 inputs in 30 s")
        group.broker.embedded!.setBrokerDown(broker)
        try await Task.sleep(for: .milliseconds(200))

        let start = ContinuousClock.now
        let status = try await worker.stop(timeout: .seconds(30))
        let took = ContinuousClock.now - start
        print("shutdown with the broker down: exit status \(status) after \(took)")
        #expect(status != -1, "still running 30 s after SIGTERM")
        #expect(took < .seconds(5 + 4), "took \(took) with --shutdown-timeout 5")

        // Back up: whatever was committed has its outputs on the broker; the rest may or may not.
        group.broker.embedded!.setRoundTripTime(.zero, brokerId: broker)
        group.broker.embedded!.setBrokerUp(broker)
        let inputs = try await group.inputs(carts: 50)
        let committed = try await group.committed(inputs)
        let covered = inputs.filter { $0.offset < committed[$0.topicPartition, default: 0] }
        let uncovered = inputs.filter { $0.offset >= committed[$0.topicPartition, default: 0] }
        let undelivered = worker.lastValue(of: "undelivered", inLinesContaining: "shutdown deadline passed")
        print("shutdown with the broker down: \(covered.count) inputs committed, \(uncovered.count) left for the next owner; undelivered at the deadline: \(undelivered.map(String.init) ?? "none")")
        #expect(covered.count >= 10)
        #expect((undelivered ?? 0) > 0, "the worker should have had outputs in flight when the broker went down:\n\(worker.log)")
        try await Reconciliation(inputs: covered, offers: Fixtures.offers)
            .check(kafka: group.kafka, timeout: .seconds(20), optional: try Reconciliation(inputs: uncovered, offers: Fixtures.offers))

        // And the next worker finishes the rest.
        let next = try group.startWorker()
        try await group.waitUntilCommitted(inputs)
        try await Reconciliation(inputs: inputs, offers: Fixtures.offers).check(kafka: group.kafka)
        #expect(try await next.stop() == 0)
    }

    @Test("input topics with different partition counts are refused at start-up, naming them", arguments: Broker.all, [
        ["cart.updated": 4, "offer.accepted": 2],
        ["cart.updated": 4, "offer.accepted": 4, "offer.declined": 3],
    ])
    func coPartitioningIsChecked(broker: Broker, counts: [String: Int]) async throws {
        try await expectStartupRefused(on: broker, topics: counts, mentioning: counts.map { "\($0.key)=\($0.value)" })
    }

    @Test("a missing input topic is refused at start-up, naming it", arguments: Broker.all)
    func missingTopicIsRefused(broker: Broker) async throws {
        try await expectStartupRefused(on: broker, topics: ["cart.updated": 4], mentioning: ["offer.accepted", "do not exist"])
    }

    @Test("the CLI fails fast with what to fix: no bootstrap servers, unreadable offers file")
    func cliFailsFast() async throws {
        let (status1, text1) = try await CommandLine.run(["run", "--offers", "/nonexistent/offers.json"])
        #expect(status1 != 0)
        #expect(text1.contains("/nonexistent/offers.json"))

        let offersFile = FileManager.default.temporaryDirectory.appendingPathComponent("offers-\(UUID()).json")
        try JSONEncoder().encode(["offers": Fixtures.offers]).write(to: offersFile)
        defer { try? FileManager.default.removeItem(at: offersFile) }
        let (status2, text2) = try await CommandLine.run(["run", "--offers", offersFile.path])
        #expect(status2 != 0)
        #expect(text2.contains("KAFKA_BOOTSTRAP_SERVERS"))
    }
}

/// Starts a worker against a broker with just `topics` (name: partitions) and expects it to
/// refuse to start with an error mentioning every one of `fragments`.
func expectStartupRefused(on broker: Broker = .mock, topics: [String: Int], mentioning fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let running = try await broker.start(sourceLocation: sourceLocation)
    try await running.createTopics(topics.sorted { $0.key < $1.key }.map { NewTopic(name: $0.key, partitions: $0.value) })
    let worker = OfferWorker(
        configuration: WorkerConfiguration(kafka: running.kafka),
        catalog: try OfferCatalog(offers: Fixtures.offers))
    await #expect(sourceLocation: sourceLocation) {
        try await worker.run()
    } throws: { error in
        fragments.allSatisfy { "\(error)".contains($0) }
    }
    withExtendedLifetime(running) {}
}
