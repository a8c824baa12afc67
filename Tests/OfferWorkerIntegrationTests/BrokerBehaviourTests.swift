import Foundation
import Kafka
import OfferEngine
import OfferWorker
import Synchronization
import Testing

/// Scenarios whose outcome depends on what the broker does where the mock and a real broker
/// differ: transaction markers, topic creation through the admin API, leaving the group, and
/// restoring state from a changelog with tombstones. Each runs on both (docs/testing.md).
@Suite("Where brokers differ: markers, admin topics, hand-over, restore", .serialized)
struct BrokerBehaviourTests {
    @Test("librdkafka 2.0.2 cannot read Tansu's ApiVersions v3 response (Read underflow); through scripts/kafka-shim.py it can")
    func tansuNeedsTheShim() async throws {
        let tansu = try await TestBroker(tansu: Broker.startTansu())
        let log = CapturedLog()
        let direct = try KafkaAdmin(configuration: KafkaConfiguration(["bootstrap.servers": tansu.tansu!.directAddress]), logger: log.logger)
        await #expect(throws: KafkaError.self) { try await direct.partitionCounts(timeout: .seconds(3)) }
        #expect(log.text.contains("ApiVersionRequest failed: Local: Read underflow"), "librdkafka logged:\n\(log.text.suffix(1500))")
        try await tansu.createTopic("through-the-shim", partitions: 2)
        #expect(try await KafkaAdmin(configuration: tansu.kafka).partitionCounts()["through-the-shim"] == 2)
    }

    @Test("three records in one transaction: the partition reader reads the three and stops at the end offset, which counts the commit marker on a real broker",
          arguments: Broker.all)
    func transactionEndsOnAMarker(broker: Broker) async throws {
        let running = try await broker.start()
        let topic = TopicPartition(topic: "transactional", partition: 0)
        try await running.createTopic(topic.topic, partitions: 1)
        let producer = try KafkaProducer(configuration: running.kafka.merging(["transactional.id": "marker-test"]))
        try await producer.initTransactions()
        try await producer.beginTransaction()
        try await producer.sendAll((0..<3).map { ProducerRecord(topic: topic.topic, key: Array("k\($0)".utf8), value: Array("v\($0)".utf8)) })
        try await producer.commitTransaction()
        await producer.close()

        let reader = try KafkaPartitionReader(configuration: running.kafka.merging(["isolation.level": "read_committed"]))
        let offsets = Mutex<[Int64]>([])
        let (records, end) = try await reader.readToEnd(topic, timeout: .seconds(20)) { record in offsets.withLock { $0.append(record.offset) } }
        await reader.close()
        #expect(records == 3 && offsets.withLock { $0 } == [0, 1, 2])
        // The mock writes no transaction markers; a real broker writes one after the records.
        #expect(end == (broker == .mock ? 3 : 4), "end offset \(end)")
        print("transaction of 3 records on \(broker): end offset \(end)")
    }

    @Test("the end offset after three batches of five records is 15 (Tansu 0.6.0 answers 11: the last batch's first offset + 1)",
          arguments: Broker.all)
    func endOffsetAfterBatches(broker: Broker) async throws {
        let running = try await broker.start()
        let partition = TopicPartition(topic: "batches", partition: 0)
        try await running.createTopic(partition.topic, partitions: 1)
        let producer = try KafkaProducer(configuration: running.kafka.merging(["linger.ms": "20"]))
        var offsets: [[Int64]] = []
        for batch in 0..<3 {
            let reports = try await producer.send((0..<5).map {
                ProducerRecord(topic: partition.topic, partition: 0, key: Array("k\(batch)-\($0)".utf8), value: Array("v\($0)".utf8))
            })
            offsets.append(try reports.map { try $0.get().offset })
        }
        await producer.close()
        let consumer = try KafkaConsumer(configuration: running.kafka.merging(["group.id": "end-offset"]))
        let (_, end) = try await consumer.watermarks(of: partition)
        await consumer.close()
        print("three batches of five on \(broker): stored at \(offsets); end offset (ListOffsets) \(end)")
        #expect(offsets == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14]])
        withKnownIssue("Tansu 0.6.0's ListOffsets answers the last batch's first offset + 1 (its Fetch high watermark is right): the Tansu cases produce one record per batch") {
            #expect(end == 15)
        } when: {
            broker == .tansu
        }
    }

    @Test("a missing state topic is created at start-up through the admin API, partitioned like the inputs; the worker then runs on it",
          arguments: Broker.all)
    func stateTopicCreatedAtStartup(broker: Broker) async throws {
        if broker == .mock {
            try broker.skip("librdkafka 2.0.2's mock cannot create topics through the admin API (CreateTopics hangs)")
        }
        let topics = TopicNames()
        let running = try await broker.start()
        try await running.createTopics(topics.all.filter { $0 != topics.changelog }.map { NewTopic(name: $0, partitions: 3) })
        let harness = try await WorkerHarness(broker: running, offers: Fixtures.offers)
        try await harness.send([Fixtures.cart("first", lines: [Fixtures.phoneLine])])
        let presented = try await harness.read(OfferPresented.self, topics.offerPresented, count: 2)
        #expect(presented.map(\.offerId).sorted() == ["case-bundle", "pro-upgrade"])
        let counts = try await KafkaAdmin(configuration: running.kafka).partitionCounts()
        #expect(counts[topics.changelog] == 3, "state topic: \(counts[topics.changelog].map(String.init) ?? "missing")")
        try await harness.stop()
    }

    @Test("a state topic partitioned unlike the inputs is refused at start-up", arguments: Broker.all)
    func stateTopicPartitionsChecked(broker: Broker) async throws {
        let topics = TopicNames()
        var counts = Dictionary(uniqueKeysWithValues: topics.all.map { ($0, 4) })
        counts[topics.changelog] = 2
        try await expectStartupRefused(on: broker, topics: counts, mentioning: ["\(topics.changelog) has 2 partitions but the inputs have 4"])
    }

    /// A session timeout long enough to tell a hand-over on LeaveGroup from one after the
    /// leaving member's session expired.
    static let sessionTimeout: Duration = .seconds(20)

    @Test("two consumers in a group, one closes and leaves: the other should hold every partition within seconds, not when the leaver's session expires",
          arguments: Broker.all)
    func leaveGroupHandOver(broker: Broker) async throws {
        let running = try await broker.start()
        try await running.createTopic("leave", partitions: 4)
        let configuration = running.kafka.merging([
            "group.id": "leave-test", "session.timeout.ms": "\(Self.sessionTimeout.components.seconds * 1000)", "heartbeat.interval.ms": "1000",
        ])
        let leaving = try KafkaConsumer(configuration: configuration), staying = try KafkaConsumer(configuration: configuration)
        try leaving.subscribe(to: ["leave"])
        try staying.subscribe(to: ["leave"])
        // Generous: the group forms slowly when the machine is loaded.
        var deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            _ = try await leaving.poll(timeout: .milliseconds(50))
            _ = try await staying.poll(timeout: .milliseconds(50))
            let (a, b) = (try leaving.assignment(), try staying.assignment())
            if !a.isEmpty && !b.isEmpty && a.count + b.count == 4 { break }
        }
        let before = (try leaving.assignment(), try staying.assignment())
        #expect(!before.0.isEmpty && !before.1.isEmpty, "both consumers should own partitions first: \(before)")

        let closed = ContinuousClock.now
        await leaving.close()
        deadline = ContinuousClock.now + Self.sessionTimeout + .seconds(20)
        while try staying.assignment().count < 4 && ContinuousClock.now < deadline {
            _ = try await staying.poll(timeout: .milliseconds(50))
        }
        let handOver = ContinuousClock.now - closed
        print("LeaveGroup hand-over on \(broker): the other consumer held every partition \(handOver) after the close (session timeout \(Self.sessionTimeout))")
        let after = try staying.assignment()
        await staying.close()
        #expect(after.count == 4, "the other consumer holds \(after)")
        let known: Comment = switch broker {
        case .mock: "librdkafka 2.0.2's mock ignores LeaveGroup: the other member takes over when the leaver's session expires"
        case .tansu: "Tansu 0.6.0 hands a leaver's partitions over about half a session timeout after LeaveGroup"
        }
        withKnownIssue(known) {
            #expect(handOver < .seconds(5), "hand-over took \(handOver)")
        }
    }

    @Test("clean stop of one of two workers: the other holds every partition soon after, and nothing is lost or repeated",
          arguments: Broker.all)
    func cleanHandOver(broker: Broker) async throws {
        let group = try await WorkerGroup(on: broker, partitions: 4)
        let session = ["-X", "session.timeout.ms=\(Self.sessionTimeout.components.seconds * 1000)"]
        let leaving = try group.startWorker(session), staying = try group.startWorker(session)
        try await group.send(carts: ScalingTests.carts("h", 20, minute: 0))
        try await group.waitUntilCommitted(try await group.inputs(carts: 20))
        let shared = await Self.eventually(within: .seconds(20)) {
            let owned = [leaving, staying].map { $0.ownedPartitions(of: "cart.updated") }
            return owned.allSatisfy { !$0.isEmpty } && owned[0].union(owned[1]) == Set(0..<4)
        }
        #expect(shared, "both workers should own partitions before the stop")

        let signalled = ContinuousClock.now
        #expect(try await leaving.stop() == 0)
        let exited = ContinuousClock.now - signalled
        let holdsAll = await Self.eventually(within: Self.sessionTimeout + .seconds(20)) {
            staying.ownedPartitions(of: "cart.updated") == Set(0..<4)
        }
        let handOver = ContinuousClock.now - signalled
        print("clean hand-over on \(broker): the stopped worker exited \(exited) after SIGTERM; the other held every partition \(handOver) after it (session timeout \(Self.sessionTimeout))")
        #expect(holdsAll, "\(staying.log.split(separator: "\n").filter { $0.contains("partitions") }.joined(separator: "\n"))")
        #expect(handOver < Self.sessionTimeout + .seconds(10), "hand-over took \(handOver)")

        let acceptances = try await group.acceptUpsells(ofCartsWithPrefix: "h", minute: 5)
        let inputs = try await group.inputs(carts: 20, acceptances: acceptances)
        try await group.waitUntilCommitted(inputs)
        let duplicates = try await Reconciliation(inputs: inputs, offers: Fixtures.offers).check(kafka: group.kafka)
        #expect(duplicates == 0, "a clean stop commits everything: nothing should be processed twice")
        #expect(try await staying.stop() == 0)
    }

    @Test("a restarted worker restores each cart's latest state from the changelog, and not the carts deleted by tombstones",
          arguments: Broker.all)
    func changelogRestore(broker: Broker) async throws {
        let group = try await WorkerGroup(on: broker, partitions: 4)
        let arguments = ["--cart-idle-seconds", "600"]
        let first = try group.startWorker(arguments)
        // Carts "gone-N" are shown the upsell at 10:00 and then stay idle; carts "kept-N" are
        // too, and again for two phones at 12:00, which makes the idle ones forgotten.
        let gone = (0..<12).map { Fixtures.cart("gone-\($0)", lines: [Fixtures.phoneLine]) }
        let kept = (0..<12).map { Fixtures.cart("kept-\($0)", lines: [Fixtures.phoneLine]) }
        var twoPhones = Fixtures.phoneLine
        twoPhones.3 = 2
        let later = (0..<12).map { index -> CartUpdated in
            var cart = Fixtures.cart("kept-\(index)", version: 2, lines: [twoPhones])
            cart.occurredAt = cart.occurredAt.adding(seconds: 2 * 3600)
            return cart
        }
        try await group.send(carts: gone + kept)
        try await group.waitUntilCommitted(try await group.inputs(carts: 24))
        try await group.send(carts: later)
        try await group.waitUntilCommitted(try await group.inputs(carts: 36))
        #expect(try await first.stop() == 0)

        // The changelog: several records per kept cart, a tombstone last for every gone one.
        let changelog = try await Self.readAll(group.topics.changelog, kafka: group.kafka)
        var latest: [String: [UInt8]?] = [:]
        for record in changelog { latest[record.keyString ?? ""] = .some(record.value.flatMap { $0.isEmpty ? nil : $0 }) }
        #expect(gone.allSatisfy { latest[$0.cartId] == .some(nil) }, "every gone cart should end in a tombstone")
        #expect(kept.allSatisfy { latest[$0.cartId].flatMap { $0 } != nil }, "every kept cart should have a state")
        let watermarks = try await Self.watermarks(group.topics.changelog, partitions: 4, kafka: group.kafka)
        print("changelog on \(broker): \(changelog.count) records read for \(latest.count) carts; partitions (low, high): \(watermarks)")

        // A new worker restores the state, then gets acceptances at 12:05 of each cart's latest
        // upsell: a kept cart's is honoured; a gone cart's (from 10:00) is unknown, where with
        // its state restored it would be expired.
        let second = try group.startWorker(arguments)
        let presented = try await Self.readAll(group.topics.offerPresented, kafka: group.kafka)
            .map { try Fixtures.codec.decode(OfferPresented.self, from: $0.value ?? []) }
        var upsells: [String: OfferPresented] = [:]
        for event in presented where event.offerKind == .upsell {
            if let other = upsells[event.cartId], other.occurredAt > event.occurredAt { continue }
            upsells[event.cartId] = event
        }
        #expect(upsells.count == 24)
        let acceptances = upsells.values.sorted { $0.cartId < $1.cartId }.map { upsell -> OfferAccepted in
            var acceptance = Fixtures.accept(upsell.presentationId, cart: upsell.cartId, minute: 5, event: "accept-\(upsell.cartId)")
            acceptance.occurredAt = acceptance.occurredAt.adding(seconds: 2 * 3600)
            return acceptance
        }
        let reader = try await KafkaTopicReader(configuration: group.kafka, topics: [group.topics.cartMutation, group.topics.offerRejected])
        try await group.producer.sendAll(acceptances.map {
            ProducerRecord(topic: group.topics.offerAccepted, key: Array($0.cartId.utf8), value: Fixtures.codec.encode($0), timestamp: $0.occurredAt.millisecondsSinceEpoch)
        })
        let mutations = try await reader.read(topic: group.topics.cartMutation, count: 12).map { try Fixtures.codec.decode(CartMutation.self, from: $0.value ?? []) }
        let rejections = try await reader.read(topic: group.topics.offerRejected, count: 12).map { try Fixtures.codec.decode(OfferRejected.self, from: $0.value ?? []) }
        await reader.close()
        #expect(Set(mutations.map(\.cartId)) == Set(kept.map(\.cartId)))
        #expect(Set(rejections.map(\.cartId)) == Set(gone.map(\.cartId)))
        #expect(rejections.allSatisfy { $0.reason == .unknownPresentation }, "\(rejections.map { "\($0.cartId): \($0.reason)" })")

        #expect(try await second.stop() == 0)
        let restored = second.log.split(separator: "\n").filter { $0.contains("partition state restored") }
        let carts = restored.compactMap { line in line.range(of: "carts=").flatMap { Int(line[$0.upperBound...].prefix { $0.isNumber }) } }
        #expect(restored.count == 4 && carts.reduce(0, +) == 12, "restored: \(restored.joined(separator: "\n"))")
    }

    /// Every record of `topic` up to its end.
    static func readAll(_ topic: String, kafka: KafkaConfiguration) async throws -> [ConsumerRecord] {
        try await KafkaTopicReader.readToEnd(configuration: kafka, topics: [topic])[topic] ?? []
    }

    static func watermarks(_ topic: String, partitions: Int32, kafka: KafkaConfiguration) async throws -> [String] {
        let consumer = try KafkaConsumer(configuration: kafka.merging(["group.id": "watermarks"]))
        var result: [String] = []
        for partition in 0..<partitions {
            let (low, high) = try await consumer.watermarks(of: TopicPartition(topic: topic, partition: partition))
            result.append("[\(partition)] \(low)..\(high)")
        }
        await consumer.close()
        return result
    }

    /// Waits up to `timeout` for `condition` (read from process logs, which arrive a little
    /// after the fact).
    static func eventually(within timeout: Duration, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return true
    }
}
