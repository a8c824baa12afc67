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

    @Test("a pipeline producer's failed report gives the record back as produced (key, value, headers; not the timestamp), and a success report none")
    func failedReportCarriesTheRecord() async throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("events", partitions: 1)
        let producer = try KafkaPipelineProducer(configuration: KafkaConfiguration([
            "bootstrap.servers": cluster.bootstrapServers, "enable.idempotence": "false", "retries": "0", "linger.ms": "0",
        ]))
        _ = try producer.prepareTopics(["events"])
        let record = ProducerRecord(
            topic: "events", key: Array("cart-1".utf8), value: Array(#"{"a":1}"#.utf8),
            headers: [KafkaHeader(name: "ce_id", string: "id-1"), KafkaHeader(name: "empty", value: nil), KafkaHeader(name: "ce_id", string: "again")],
            timestamp: 1_700_000_000_123)
        try producer.produce(record, token: 1)
        var delivered: [PipelineDelivery] = []
        try producer.flush(timeout: .seconds(10)) { delivered.append($0) }
        #expect(delivered.count == 1 && delivered[0].error == nil && delivered[0].record == nil)

        // 87: INVALID_RECORD, which librdkafka does not retry.
        cluster.injectRequestErrors(apiKey: KafkaAPIKey.produce, errors: [87])
        try producer.produce(record, token: 2)
        delivered = []
        try producer.flush(timeout: .seconds(10)) { delivered.append($0) }
        #expect(delivered.map(\.token) == [2])
        #expect(delivered.first?.error != nil)
        var expected = record
        expected.partition = 0  // the partition librdkafka had chosen
        expected.timestamp = nil  // librdkafka 2.0.2 does not report it
        #expect(delivered.first?.record == expected)
        withExtendedLifetime(cluster) {}
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

    @Test("records for prepared topics go through their handles to those topics; a topic reader reads every partition to its end and refuses a missing topic")
    func readToEndAfterProducingByHandle() async throws {
        let (cluster, kafka) = try Self.clusterWithTopicsAAndB()
        let producer = try KafkaPipelineProducer(configuration: kafka)
        #expect(try producer.prepareTopics(["a"]) == ["a": 4])
        // "a" by its handle, into partitions 3, 0 and 0 (2 and 1 stay empty); "b" by name.
        let sent = [
            ProducerRecord(topic: "a", partition: 3, key: Array("k3".utf8), value: Array("a3".utf8)),
            ProducerRecord(topic: "a", partition: 0, key: Array("k0".utf8), value: Array("a0-first".utf8)),
            ProducerRecord(topic: "a", partition: 0, key: Array("k0".utf8), value: Array("a0-second".utf8)),
            ProducerRecord(topic: "b", partition: 1, key: nil, value: Array("b1".utf8)),
        ]
        for (token, record) in sent.enumerated() { try producer.produce(record, token: UInt(token)) }
        var errors: [KafkaError] = []
        try producer.flush(timeout: .seconds(10)) { if let error = $0.error { errors.append(error) } }
        #expect(errors.isEmpty)

        let read = try await KafkaTopicReader.readToEnd(configuration: kafka, topics: ["a", "b"])
        // Partition by partition, each in offset order.
        #expect(read["a"]?.map { String(decoding: $0.value ?? [], as: UTF8.self) } == ["a0-first", "a0-second", "a3"])
        #expect(read["a"]?.map(\.partition) == [0, 0, 3])
        #expect(read["b"]?.map { String(decoding: $0.value ?? [], as: UTF8.self) } == ["b1"])
        await #expect(throws: KafkaError.self) { try await KafkaTopicReader.readToEnd(configuration: kafka, topics: ["missing"]) }
        withExtendedLifetime(cluster) {}
    }

    @Test("consumed records view their key and value in place: they outlive their closed consumer, equal records made of arrays, and forward whole")
    func consumedRecordsOutliveTheirConsumer() async throws {
        let (cluster, kafka) = try Self.clusterWithTopicsAAndB()
        let producer = try KafkaProducer(configuration: kafka)
        let large = [UInt8](repeating: 7, count: 2_000)
        let sent = [
            ProducerRecord(
                topic: "b", partition: 0, key: Array("k1".utf8), value: large, headers: [KafkaHeader(name: "h", string: "x")], timestamp: 1_000),
            ProducerRecord(topic: "b", partition: 0, key: nil, value: [], timestamp: 2_000),
            ProducerRecord(topic: "b", partition: 0, key: Array("k3".utf8), value: nil, timestamp: 3_000),
        ]
        _ = try await producer.send(sent).map { try $0.get() }
        await producer.close()

        var consumed: [ConsumerRecord] = []
        do {
            let consumer = try KafkaConsumer(configuration: kafka.merging(["group.id": "views", "auto.offset.reset": "earliest"]))
            try consumer.subscribe(to: ["b"])
            let deadline = ContinuousClock.now + .seconds(30)
            while consumed.count < 3, ContinuousClock.now < deadline {
                for case .records(let batch) in try await consumer.poll(maxRecords: 10, timeout: .milliseconds(200)) { consumed += batch }
            }
            await consumer.close()
        }
        // The consumer is closed and released: the records' bytes are still theirs.
        try #require(consumed.count == 3)
        #expect(consumed.map(\.key) == [Array("k1".utf8), nil, Array("k3".utf8)])
        #expect(consumed.map(\.value) == [large, [], nil])
        #expect(consumed.map(\.valueCount) == [2_000, 0, nil])
        #expect(consumed.map(\.keyString) == ["k1", nil, "k3"])
        #expect(consumed[0].withValue { $0.map { Array($0) } } == large)

        let madeOfArrays = zip(sent, consumed).map { sent, record in
            ConsumerRecord(
                topic: "b", partition: 0, offset: record.offset, key: sent.key, value: sent.value, headers: sent.headers, timestamp: sent.timestamp)
        }
        #expect(consumed == madeOfArrays)
        #expect(Set(consumed) == Set(madeOfArrays))

        var changed = consumed[0]
        changed.value = Array("other".utf8)
        changed.key = nil
        #expect(changed.value == Array("other".utf8) && changed.key == nil && changed.withValue { $0?.count } == 5)
        #expect(consumed[0].value == large && changed != consumed[0])

        // Forwarded as they are: key, value, headers and timestamp, read back from `a`[1].
        let forwarder = try KafkaPipelineProducer(configuration: kafka)
        for (index, record) in consumed.enumerated() { try forwarder.produce(forwarding: record, to: "a", partition: 1, token: UInt(index)) }
        var delivered: [UInt] = []
        try forwarder.flush(timeout: .seconds(10)) { if $0.error == nil { delivered.append($0.token) } }
        #expect(delivered == [0, 1, 2])
        var forwarded: [ConsumerRecord] = []
        try KafkaPartitionReader(configuration: kafka).readToEndBlocking(TopicPartition(topic: "a", partition: 1)) { forwarded.append($0) }
        #expect(forwarded.map(\.key) == consumed.map(\.key) && forwarded.map(\.value) == consumed.map(\.value))
        #expect(forwarded.map(\.headers) == consumed.map(\.headers) && forwarded.map(\.timestamp) == consumed.map(\.timestamp))
        withExtendedLifetime(cluster) {}
    }

    @Test("a blocking commit that may be abandoned returns once abandoned while the broker is down, and commits when it answers")
    func abandonableCommit() async throws {
        let (cluster, kafka) = try Self.clusterWithTopicsAAndB()
        let consumer = try KafkaConsumer(configuration: kafka.merging(["group.id": "abandon"]))
        let partition = TopicPartition(topic: "b", partition: 0)
        try consumer.assign([partition])
        #expect(try consumer.commitBlocking([partition: 3], abandoningWhen: { false }))
        #expect(try await consumer.committed([partition]) == [partition: 3])

        let broker = cluster.brokerIds[0]
        cluster.setBrokerDown(broker)
        let start = ContinuousClock.now
        // A plain synchronous commit waits here until the broker is back (it had not returned
        // after 10 s when tried); this one stops waiting when told to.
        let answered = try consumer.commitBlocking([partition: 5]) { ContinuousClock.now - start > .seconds(1) }
        let waited = ContinuousClock.now - start
        #expect(!answered && waited < .seconds(3), "answered \(answered) after \(waited)")

        // Back up: the coordinator is found again, and the commit is answered. The abandoned
        // one may still be made after it: commit again until the broker holds the last.
        cluster.setBrokerUp(broker)
        var stored: [TopicPartition: Int64] = [:]
        while stored != [partition: 7], ContinuousClock.now - start < .seconds(30) {
            do {
                if try consumer.commitBlocking([partition: 7], abandoningWhen: { ContinuousClock.now - start > .seconds(30) }) {
                    stored = try await consumer.committed([partition])
                }
            } catch {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        #expect(stored == [partition: 7], "stored \(stored)")
        await consumer.close()
    }

    @Test("a close that may be abandoned leaves the group when the broker answers, and returns once abandoned while a commit waits for a downed broker")
    func abandonableClose() async throws {
        let (cluster, kafka) = try Self.clusterWithTopicsAAndB()
        func assignedMember(_ group: String) throws -> KafkaConsumer {
            let consumer = try KafkaConsumer(configuration: kafka.merging(["group.id": group]))
            try consumer.subscribe(to: ["b"])
            let deadline = ContinuousClock.now + .seconds(20)
            var assigned = false
            while !assigned, ContinuousClock.now < deadline {
                for case .partitionsAssigned in try consumer.pollBlocking(maxRecords: 10, timeout: .milliseconds(100)) { assigned = true }
            }
            return consumer
        }
        let partition = TopicPartition(topic: "b", partition: 0)
        let answering = try assignedMember("close-answered")
        try answering.commitBlocking([partition: 3])
        #expect(answering.closeBlocking(abandoningWhen: { false }))

        let stranded = try assignedMember("close-abandoned")
        try stranded.commitBlocking([partition: 3])
        cluster.setBrokerDown(cluster.brokerIds[0])
        try await Task.sleep(for: .milliseconds(200))
        // Pending until the broker is back: a plain close waits for it (it had not returned
        // after 15 s when tried), this one stops waiting when told to.
        try stranded.commitAsync([partition: 5])
        let start = ContinuousClock.now
        let closed = stranded.closeBlocking { ContinuousClock.now - start > .seconds(1) }
        let waited = ContinuousClock.now - start
        #expect(!closed && waited < .seconds(3), "closed \(closed) after \(waited)")
        cluster.setBrokerUp(cluster.brokerIds[0])
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
