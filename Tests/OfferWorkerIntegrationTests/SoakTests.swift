import Foundation
import Kafka
import OfferEngine
import OfferWorker
import Testing

@Suite("Soak: hostile input through a worker process", .serialized)
struct SoakTests {
    static let seed: UInt64 = 20_261_124
    static let cartRecords = 15_000
    static let acceptanceRecords = 5_000

    @Test("20,000 seeded random records (0 to 2 MB, random keys and times, junk among valid carts and acceptances): the worker keeps running and every input is accounted for")
    func soak() async throws {
        let start = ContinuousClock.now
        // The embedded broker keeps about 5 MB a partition: spread the large records.
        let group = try await WorkerGroup(partitions: 24)
        let worker = try group.startWorker()
        let producer = try KafkaProducer(configuration: group.kafka.merging(["message.max.bytes": "4000000"]))
        var workload = SoakWorkload(seed: Self.seed, carts: 3000, topics: group.topics)

        // Carts first; acceptances once their presentations exist, so the order the worker
        // sees a cart's events in is the order the oracle uses.
        // Keyless records would land on random partitions: spread them, so the large ones
        // cannot pile up past the embedded broker's retention.
        let carts = Self.spreadingKeyless(workload.carts(count: Self.cartRecords, large: 16, huge: 6), over: 24)
        let cartReports = try await producer.send(carts).map { try $0.get() }
        try Self.requireRetained(zip(carts, cartReports))
        let cartInputs = try await group.inputs(carts: carts.count)
        try await group.waitUntilCommitted(cartInputs, timeout: .seconds(120))
        let afterCarts = ContinuousClock.now

        // Acceptances of the presentations the carts must have caused (the reconciliation
        // below checks the worker made exactly these).
        let presented = try Reconciliation(inputs: cartInputs, offers: Fixtures.offers).expected
            .filter { $0.key.topic == group.topics.offerPresented }
            .sorted { $0.key.id < $1.key.id }
            .map { try Fixtures.codec.decode(OfferPresented.self, from: $0.value.value ?? []) }
        let acceptances = Self.spreadingKeyless(workload.acceptances(count: Self.acceptanceRecords, of: presented), over: 24)
        let acceptanceReports = try await producer.send(acceptances).map { try $0.get() }
        try Self.requireRetained(zip(acceptances, acceptanceReports))
        await producer.close()
        let inputs = try await group.inputs(carts: carts.count, acceptances: acceptances.count)
        try await group.waitUntilCommitted(inputs, timeout: .seconds(120))
        let processed = ContinuousClock.now

        let reconciliation = try Reconciliation(inputs: inputs, offers: Fixtures.offers)
        let byTopic = Dictionary(grouping: reconciliation.expected.keys, by: \.topic).mapValues(\.count)
        let duplicates = try await reconciliation.check(kafka: group.kafka, timeout: .seconds(60))
        let sizes = carts.map { $0.value?.count ?? 0 }
        print("soak: \(inputs.count) inputs (\(sizes.filter { $0 > 1_000_000 }.count) over 1 MB, largest \(sizes.max() ?? 0) bytes) → \(byTopic); "
              + "\(duplicates) duplicates; carts processed in \(afterCarts - start), all in \(processed - start), reconciled in \(ContinuousClock.now - processed)")
        #expect(inputs.count >= 20_000)
        #expect(byTopic[group.topics.deadLetter, default: 0] > 1000 && byTopic[group.topics.cartMutation, default: 0] > 500,
                "the workload should exercise both: \(byTopic)")
        #expect(duplicates == 0, "one worker that never stopped processes nothing twice")

        // No cart lost its state to another's record: nothing was evicted or set aside.
        var changelog: [String: ConsumerRecord] = [:]
        for record in try await KafkaTopicReader.readToEnd(configuration: group.kafka, topics: [group.topics.changelog])[group.topics.changelog, default: []] {
            changelog[record.keyString ?? ""] = record
        }
        #expect(!changelog.isEmpty && changelog.values.allSatisfy { !($0.value ?? []).isEmpty }, "a cart's state was deleted")
        #expect(!worker.log.contains("refused by Kafka") && !worker.log.contains("error"), "\(worker.log.split(separator: "\n").filter { $0.contains("error") }.prefix(5))")

        #expect(worker.isRunning, "the worker stopped:\n\(worker.log.suffix(2000))")
        #expect(try await worker.stop() == 0)
        print("soak: \(ContinuousClock.now - start) in all")
    }

    static func spreadingKeyless(_ records: [ProducerRecord], over partitions: Int32) -> [ProducerRecord] {
        var next: Int32 = 0
        return records.map { record in
            guard record.key == nil, record.partition == nil else { return record }
            var placed = record
            placed.partition = next
            next = (next + 1) % partitions
            return placed
        }
    }

    /// The embedded broker drops a partition's oldest records beyond about 5 MB: the test
    /// needs every input (and its dead letter) kept, so a seed that piles large records on
    /// one partition is refused here rather than failing obscurely.
    static func requireRetained(_ sent: some Sequence<(ProducerRecord, DeliveryReport)>) throws {
        var bytes: [TopicPartition: Int] = [:]
        for (record, report) in sent {
            bytes[TopicPartition(topic: report.topic, partition: report.partition), default: 0] += (record.value?.count ?? 0) + 100
        }
        let fullest = bytes.max { $0.value < $1.value }
        try #require((fullest?.value ?? 0) < 4_500_000, "\(fullest!.key) holds \(fullest!.value) bytes: choose another seed")
    }
}
