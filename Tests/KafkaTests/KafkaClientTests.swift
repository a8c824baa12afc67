import Kafka
import Testing

@Suite("Kafka client on the embedded cluster", .serialized)
struct KafkaClientTests {
    @Test("produced records, with headers and keys, are consumed by a group member and committed")
    func produceConsumeCommit() async throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("events", partitions: 3)
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers]))
        let records = (0..<30).map { i in
            ProducerRecord(
                topic: "events", key: Array("cart-\(i % 5)".utf8), value: Array("value-\(i)".utf8),
                headers: [KafkaHeader(name: "ce_id", string: "id-\(i)")], timestamp: 1_700_000_000_000 + Int64(i))
        }
        let reports = try await producer.send(records).map { try $0.get() }
        #expect(reports.count == 30)
        // The same key always lands on the same partition.
        let partitionByKey = Dictionary(zip(records, reports).map { (String(decoding: $0.0.key!, as: UTF8.self), [$0.1.partition]) }, uniquingKeysWith: +)
        #expect(partitionByKey.values.allSatisfy { Set($0).count == 1 })
        await producer.close()

        let consumer = try KafkaConsumer(configuration: KafkaConfiguration([
            "bootstrap.servers": cluster.bootstrapServers, "group.id": "g1",
        ]))
        try consumer.subscribe(to: ["events"])
        var consumed: [ConsumerRecord] = []
        var assigned: [TopicPartition] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while consumed.count < 30, ContinuousClock.now < deadline {
            for event in try await consumer.poll(maxRecords: 100, timeout: .milliseconds(200)) {
                switch event {
                case .records(let batch): consumed += batch
                case .partitionsAssigned(let partitions): assigned += partitions
                case .partitionsRevoked: break
                }
            }
        }
        #expect(Set(assigned) == Set((0..<3).map { TopicPartition(topic: "events", partition: $0) }))
        #expect(consumed.compactMap(\.keyString).sorted() == records.map { String(decoding: $0.key!, as: UTF8.self) }.sorted())
        let first = try #require(consumed.first { $0.value == Array("value-7".utf8) })
        #expect(first.header("ce_id")?.stringValue == "id-7")
        #expect(first.timestamp == 1_700_000_000_007)

        var next: [TopicPartition: Int64] = [:]
        for record in consumed { next[record.topicPartition] = max(next[record.topicPartition] ?? 0, record.offset + 1) }
        try await consumer.commit(next)
        let committed = try await consumer.committed(Array(next.keys))
        #expect(committed == next)
        await consumer.close()
    }

    @Test("a producer reports a failed delivery instead of hanging when the broker refuses it")
    func deliveryFailureIsReported() async throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("events", partitions: 1)
        let producer = try KafkaProducer(configuration: KafkaConfiguration([
            "bootstrap.servers": cluster.bootstrapServers, "enable.idempotence": "false", "retries": "0",
        ]))
        // 87 = RECORD_LIST_TOO_LARGE-ish non-retriable error: INVALID_RECORD.
        cluster.injectRequestErrors(apiKey: KafkaAPIKey.produce, errors: [87])
        let result = await producer.send([ProducerRecord(topic: "events", key: nil, value: Array("x".utf8))])
        #expect(throws: KafkaError.self) { try result[0].get() }
        await producer.close()
    }

    @Test("an unknown librdkafka property is refused with its name")
    func unknownPropertyIsRefused() {
        #expect {
            _ = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": "x:9092", "no.such.property": "1"]))
        } throws: { error in
            "\(error)".contains("no.such.property")
        }
    }

    @Test("admin reads partition counts of existing topics")
    func partitionCounts() async throws {
        let (cluster, kafka) = try Self.clusterWithTopicsAAndB()
        let admin = try KafkaAdmin(configuration: kafka)
        let counts = try await admin.partitionCounts()
        #expect(counts["a"] == 4)
        #expect(counts["b"] == 2)
        #expect(counts["missing"] == nil)
        withExtendedLifetime(cluster) {}
    }

    @Test("a pipeline producer looks up the topics it will write to, leaving out missing ones, and then delivers to them")
    func prepareTopics() async throws {
        let (cluster, kafka) = try Self.clusterWithTopicsAAndB()
        let producer = try KafkaPipelineProducer(configuration: kafka)
        #expect(try producer.prepareTopics(["a", "b", "missing"]) == ["a": 4, "b": 2])
        // Asking again neither duplicates nor loses anything, and a missing topic was not
        // created by the asking (the embedded broker creates topics asked for by name).
        #expect(try producer.prepareTopics(["b", "missing"]) == ["b": 2])
        #expect(try await KafkaAdmin(configuration: kafka).partitionCounts()["missing"] == nil)
        try producer.produce(ProducerRecord(topic: "a", partition: 3, key: nil, value: Array("v".utf8)), token: 7)
        var delivered: [PipelineDelivery] = []
        try producer.flush(timeout: .seconds(10)) { delivered.append($0) }
        #expect(delivered.map(\.token) == [7])
        #expect(delivered.first?.partition == 3 && delivered.first?.error == nil)
        withExtendedLifetime(cluster) {}
    }

    /// An embedded cluster with topic `a` (4 partitions) and `b` (2), and a configuration
    /// pointing at it.
    private static func clusterWithTopicsAAndB() throws -> (EmbeddedKafkaCluster, KafkaConfiguration) {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("a", partitions: 4)
        try cluster.createTopic("b", partitions: 2)
        return (cluster, KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers]))
    }
}
