import Foundation
import Kafka
import OfferEngine
@testable import OfferWorker
import Testing

@Suite("Record and replay against the live worker on the embedded broker", .serialized)
struct ReplayTests {
    /// Drives the live worker through presentations, honoured and rejected acceptances, a
    /// repeated acceptance, a decline and a dead letter; returns the inputs it consumed.
    static func liveTraffic(_ harness: WorkerHarness) async throws -> [ConsumerRecord] {
        try await harness.send(OfferFlowTests.carts)
        let presented = try await harness.read(OfferPresented.self, harness.topics.offerPresented, count: 8)
        let upsell = presented.first { $0.cartId == "phone-0" && $0.offerId == "pro-upgrade" }!
        let crossSell = presented.first { $0.cartId == "phone-1" && $0.offerId == "case-bundle" }!
        let late = presented.first { $0.cartId == "phone-2" && $0.offerId == "case-bundle" }!
        let declined = presented.first { $0.cartId == "phone-3" && $0.offerId == "case-bundle" }!
        try await harness.send([
            Fixtures.accept(upsell.presentationId, cart: "phone-0", minute: 5, event: "acc-1"),
            Fixtures.accept(crossSell.presentationId, cart: "phone-1", minute: 6, event: "acc-2"),
            Fixtures.accept(upsell.presentationId, cart: "phone-0", minute: 7, event: "acc-3"),
            Fixtures.accept(late.presentationId, cart: "phone-2", minute: 30, event: "acc-4"),
            Fixtures.accept("no-such-presentation", cart: "cable-0", minute: 8, event: "acc-5"),
        ])
        let decline = #"{"eventId":"dec-1","cartId":"phone-3","presentationId":"\#(declined.presentationId)","occurredAt":"\#(Fixtures.time(9))"}"#
        try await harness.producer.sendAll([ProducerRecord(
            topic: harness.topics.offerDeclined, key: Array("phone-3".utf8), value: Array(decline.utf8),
            timestamp: EventTime(rfc3339: Fixtures.time(9))!.millisecondsSinceEpoch)])
        try await harness.sendRaw(topic: harness.topics.cartUpdated, key: "broken", value: Array(#"{"cartId":"broken","#.utf8))
        _ = try await harness.read(harness.topics.cartMutation, count: 2)
        _ = try await harness.read(harness.topics.offerRejected, count: 2)
        _ = try await harness.outputs.read(topic: harness.topics.deadLetter, count: 1)
        let inputs = try await harness.inputs(carts: 13, acceptances: 5)
        try await harness.waitUntilCommitted(inputs)
        return inputs
    }

    /// Everything on the live output topics, from the beginning.
    static func liveOutputs(_ harness: WorkerHarness, counts: [String: Int]) async throws -> [ReplaySupport.Published] {
        let reader = try await KafkaTopicReader(configuration: harness.kafka, topics: harness.topics.outputs)
        var records: [ConsumerRecord] = []
        for (topic, count) in counts.sorted(by: { $0.key < $1.key }) { records += try await reader.read(topic: topic, count: count) }
        let extra = try await reader.drain(for: .milliseconds(500))
        await reader.close()
        let unexpected = extra.filter { !$0.value.isEmpty }.mapValues(\.count)
        #expect(unexpected.isEmpty, "more live outputs than expected: \(unexpected)")
        return records.sorted { ($0.topic, $0.partition, $0.offset) < ($1.topic, $1.partition, $1.offset) }.map(ReplaySupport.Published.init)
    }

    static let liveCounts = ["offer.presented": 8, "cart.mutation": 2, "offer.rejected": 2, "offer-worker.dlq": 1]

    @Test("record, then replay the file offline: record for record what the live worker published, and two replays are byte-identical")
    func fileReplayEqualsLive() async throws {
        let harness = try await WorkerHarness(offers: Fixtures.offers)
        let inputs = try await Self.liveTraffic(harness)
        let recording = ReplaySupport.temporaryPath("live.jsonl")
        let first = ReplaySupport.temporaryPath("replay-1.jsonl"), second = ReplaySupport.temporaryPath("replay-2.jsonl")
        defer { for path in [recording, first, second] { try? FileManager.default.removeItem(atPath: path) } }

        let recorded = try await ReplaySupport.record(kafka: harness.kafka, to: recording)
        #expect(recorded.records == inputs.count + 1, "carts, acceptances, the decline and the dead letter's input")
        // The recording holds exactly what the worker consumed.
        let lines = try ReplaySupport.lines(recording)
        let consumed = inputs.map { RecordingFormat.Line($0) }
        #expect(Set(consumed).isSubset(of: Set(lines)))

        let result = try await ReplaySupport.replay(.file(recording), catalog: harness.catalog, configuration: harness.configuration) { $0.outputFile = first }
        _ = try await ReplaySupport.replay(.file(recording), catalog: harness.catalog, configuration: harness.configuration) { $0.outputFile = second }
        #expect(try ReplaySupport.bytes(first) == ReplaySupport.bytes(second))
        #expect(result.records == recorded.records)

        let live = try await Self.liveOutputs(harness, counts: Self.liveCounts)
        let replayed = try ReplaySupport.lines(first)
        #expect(replayed.allSatisfy { $0.partition == nil && $0.offset == nil })
        #expect(replayed.count == live.count)
        // Each cart's records on each topic, in order: key, value, headers, timestamp.
        let liveByKey = ReplaySupport.byTopicAndKey(live)
        let replayByKey = ReplaySupport.byTopicAndKey(replayed.map(ReplaySupport.Published.init))
        #expect(Set(liveByKey.keys) == Set(replayByKey.keys))
        for (key, records) in liveByKey.sorted(by: { $0.key < $1.key }) {
            #expect(replayByKey[key] == records, "\(key): replay \(replayByKey[key] ?? []) live \(records)")
        }
        #expect(result.summary.replay.deadLetters == 1)
        #expect(result.summary.replay.figures(of: "case-bundle")?.declines == 1)
        try await harness.stop()
    }

    @Test("a topic replay writes only to sandbox topics, records land on the live partitions, and no group's offsets move")
    func topicReplayToSandbox() async throws {
        let harness = try await WorkerHarness(offers: Fixtures.offers) { cluster in
            for topic in TopicNames().outputs { try cluster.createTopic("replay." + topic, partitions: 4) }
        }
        let inputs = try await Self.liveTraffic(harness)
        let inspector = try KafkaConsumer(configuration: harness.kafka.merging(["group.id": "replay-test-inspector"]))
        func ends(_ topics: [String]) async throws -> [TopicPartition: Int64] {
            var ends: [TopicPartition: Int64] = [:]
            for topic in topics {
                for partition in Int32(0)..<4 {
                    let tp = TopicPartition(topic: topic, partition: partition)
                    ends[tp] = try await inspector.watermarks(of: tp).high
                }
            }
            return ends
        }
        let liveBefore = try await ends(harness.topics.outputs + [harness.topics.changelog])
        let committedBefore = try await harness.committed(inputs)
        #expect(!committedBefore.isEmpty)

        let result = try await ReplaySupport.replay(.topics(from: .earliest, to: .latest), catalog: harness.catalog, configuration: harness.configuration) {
            $0.outputTopicPrefix = "replay."
        }
        #expect(result.outputs == 13)
        #expect(try await ends(harness.topics.outputs + [harness.topics.changelog]) == liveBefore, "the live topics got nothing")
        #expect(try await harness.committed(inputs) == committedBefore)
        let replayGroup = try KafkaConsumer(configuration: harness.kafka.merging(["group.id": TopicRangeReader.groupId]))
        #expect(try await replayGroup.committed(Array(committedBefore.keys)).isEmpty, "the replay committed offsets")
        await replayGroup.close()

        // Same records on the same partition numbers as the live topics.
        let sandbox = try await KafkaTopicReader(configuration: harness.kafka, topics: harness.topics.outputs.map { "replay." + $0 })
        let live = try await KafkaTopicReader(configuration: harness.kafka, topics: harness.topics.outputs)
        for (topic, count) in Self.liveCounts {
            func canonical(_ records: [ConsumerRecord]) -> [String] {
                records.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
                    .map { "\($0.partition) \($0.keyString ?? "") \(String(decoding: $0.value ?? [], as: UTF8.self)) \($0.headers) \($0.timestamp ?? -1)" }
            }
            let replayed = try await sandbox.read(topic: "replay." + topic, count: count)
            #expect(canonical(replayed) == canonical(try await live.read(topic: topic, count: count)), "\(topic)")
        }
        await sandbox.close()
        await live.close()
        await inspector.close()
        try await harness.stop()
    }

    @Test("--state-from-changelog starts from the live state as of --from: an acceptance of an earlier presentation is honoured as live")
    func stateFromChangelog() async throws {
        let harness = try await WorkerHarness(offers: Fixtures.offers)
        try await harness.send([Fixtures.cart("phone-9", minute: 0, lines: [Fixtures.phoneLine])])
        let presented = try await harness.read(OfferPresented.self, harness.topics.offerPresented, count: 2)
        try await harness.waitUntilCommitted(try await harness.inputs(carts: 1))
        let upsell = presented.first { $0.offerId == "pro-upgrade" }!
        try await harness.send([Fixtures.accept(upsell.presentationId, cart: "phone-9", minute: 5, event: "acc-9")])
        let liveMutation = try await harness.read(harness.topics.cartMutation, count: 1)[0]
        try await harness.waitUntilCommitted(try await harness.inputs(carts: 1, acceptances: 1))

        let output = ReplaySupport.temporaryPath("from-state.jsonl")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let from = RangeBound(parsing: Fixtures.time(4))!
        let restored = try await ReplaySupport.replay(.topics(from: from, to: .latest), catalog: harness.catalog, configuration: harness.configuration) {
            $0.stateFromChangelog = true
            $0.outputFile = output
        }
        #expect(restored.records == 1, "only the acceptance is at or after 10:04")
        let lines = try ReplaySupport.lines(output)
        #expect(lines.map(ReplaySupport.Published.init) == [ReplaySupport.Published(liveMutation)])

        let empty = try await ReplaySupport.replay(.topics(from: from, to: .latest), catalog: harness.catalog, configuration: harness.configuration)
        #expect(empty.summary.replay.rejectedWithoutOffer["unknownPresentation"] == 1, "without the state, the presentation is unknown")
        try await harness.stop()
    }
}

@Suite("Recording topic ranges on the embedded broker")
struct RecordRangeTests {
    /// Topic `range.test`, 2 partitions, 10 records each: partition 0 at minutes 0…9 of
    /// 10:00, partition 1 half a minute later each.
    static func cluster() async throws -> (EmbeddedKafkaCluster, KafkaConfiguration) {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("range.test", partitions: 2)
        let kafka = KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers])
        let producer = try KafkaProducer(configuration: kafka)
        try await producer.sendAll((0..<10).flatMap { i in (Int32(0)..<2).map { p in
            ProducerRecord(topic: "range.test", partition: p, key: Array("k\(p)-\(i)".utf8), value: Array("v\(p)-\(i)".utf8),
                           timestamp: Fixtures.recordTimestamp + Int64(i) * 60_000 + Int64(p) * 30_000)
        } })
        await producer.close()
        return (cluster, kafka)
    }

    static func recorded(_ kafka: KafkaConfiguration, from: String, to: String) async throws -> [String] {
        let path = ReplaySupport.temporaryPath("range.jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try await ReplaySupport.record(kafka: kafka, to: path) {
            $0.topics = ["range.test"]
            $0.from = RangeBound(parsing: from)!
            $0.to = RangeBound(parsing: to)!
        }
        return try ReplaySupport.lines(path).map { String(decoding: $0.value ?? [], as: UTF8.self) }
    }

    @Test("--from/--to by offset take offsets from..<to of every partition, in timestamp order")
    func byOffset() async throws {
        let (cluster, kafka) = try await Self.cluster()
        #expect(try await Self.recorded(kafka, from: "3", to: "7") == ["v0-3", "v1-3", "v0-4", "v1-4", "v0-5", "v1-5", "v0-6", "v1-6"])
        #expect(try await Self.recorded(kafka, from: "earliest", to: "2") == ["v0-0", "v1-0", "v0-1", "v1-1"])
        #expect(try await Self.recorded(kafka, from: "8", to: "latest") == ["v0-8", "v1-8", "v0-9", "v1-9"])
        #expect(try await Self.recorded(kafka, from: "latest", to: "latest").isEmpty)
        _ = cluster
    }

    @Test("--from/--to by RFC 3339 time take the records with from ≤ timestamp < to, whatever the time zone written")
    func byTime() async throws {
        let (cluster, kafka) = try await Self.cluster()
        // 10:02:00 ≤ t < 10:05:00: partition 0 at 2, 3, 4 min; partition 1 at 2.5, 3.5, 4.5 min.
        #expect(try await Self.recorded(kafka, from: Fixtures.time(2), to: Fixtures.time(5)) == ["v0-2", "v1-2", "v0-3", "v1-3", "v0-4", "v1-4"])
        #expect(try await Self.recorded(kafka, from: "2026-11-24T11:02:30+01:00", to: "2026-11-24T10:03:30.001Z") == ["v1-2", "v0-3", "v1-3"])
        #expect(try await Self.recorded(kafka, from: Fixtures.time(9, second: 45), to: "latest").isEmpty)
        #expect(try await Self.recorded(kafka, from: "earliest", to: Fixtures.time(0, second: 1)) == ["v0-0"])

        // librdkafka 2.0.2's mock broker cannot look offsets up by time (answers none): the
        // reader falls back to selecting by timestamp, which the results above show.
        let consumer = try KafkaConsumer(configuration: kafka.merging(["group.id": "range-probe"]))
        let probe = TopicPartition(topic: "range.test", partition: 0)
        #expect(try consumer.offsetsForTimesBlocking([probe: 0])[probe] == .some(nil))
        await consumer.close()
        _ = cluster
    }

    @Test("keys, values and headers that are not UTF-8 round-trip through a recording, and through a replay's dead letters")
    func binaryRoundTrip() async throws {
        let cluster = try EmbeddedKafkaCluster.withWorkerTopics(TopicNames(), partitions: 2)
        let kafka = KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers])
        let producer = try KafkaProducer(configuration: kafka)
        let binary: [UInt8] = [0xFF, 0x00, 0xFE, 0x80, 0x0A, 0x22]
        let sent = [
            ProducerRecord(topic: "cart.updated", partition: 0, key: binary, value: binary + Array("{}".utf8),
                           headers: [KafkaHeader(name: "bin", value: [0xC3, 0x28]), KafkaHeader(name: "none", value: nil), KafkaHeader(name: "text", string: "a\"b\n")],
                           timestamp: Fixtures.recordTimestamp),
            ProducerRecord(topic: "cart.updated", partition: 1, key: nil, value: Array("ünï \u{1F600} \"q\"\t".utf8), timestamp: Fixtures.recordTimestamp + 1),
            ProducerRecord(topic: "offer.accepted", partition: 0, key: Array("k".utf8), value: nil, timestamp: Fixtures.recordTimestamp + 2),
        ]
        try await producer.sendAll(sent)
        await producer.close()
        let reader = try await KafkaTopicReader(configuration: kafka, topics: ["cart.updated", "offer.accepted"])
        let stored = try await reader.read(topic: "cart.updated", count: 2) + reader.read(topic: "offer.accepted", count: 1)
        await reader.close()

        let recording = ReplaySupport.temporaryPath("binary.jsonl"), output = ReplaySupport.temporaryPath("binary-out.jsonl")
        defer { for path in [recording, output] { try? FileManager.default.removeItem(atPath: path) } }
        _ = try await ReplaySupport.record(kafka: kafka, to: recording)
        let text = String(decoding: try ReplaySupport.bytes(recording), as: UTF8.self)
        #expect(text.contains(#""keyBase64":"/wD+gAoi""#) && text.contains(#"["bin",null,"wyg="]"#) && text.contains(#"["none",null]"#))
        let lines = try ReplaySupport.lines(recording)
        #expect(try lines.enumerated().map { try $1.consumerRecord(lineNumber: $0 + 1) } == stored.sorted { ReplayOrder($0) < ReplayOrder($1) })
        #expect(lines.map(\.key) == [binary, nil, Array("k".utf8)])
        #expect(lines[0].headers == sent[0].headers)

        // Each is a dead letter; the dead letters carry the same bytes.
        let result = try await ReplaySupport.replay(.file(recording), catalog: try OfferCatalog(offers: Fixtures.offers)) { $0.outputFile = output }
        #expect(result.summary.replay.deadLetters == 3)
        let dead = try ReplaySupport.lines(output)
        #expect(dead.map(\.key) == lines.map(\.key))
        #expect(dead.map(\.value) == lines.map(\.value))
        #expect(dead[0].headers.prefix(3) == lines[0].headers[...])
        #expect(String(decoding: try ReplaySupport.bytes(output), as: UTF8.self).contains(#""keyBase64":"/wD+gAoi","valueBase64":"#))
        _ = cluster
    }
}
