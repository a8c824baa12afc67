import Foundation
import Kafka
import OfferEngine
@testable import OfferWorker
import Testing

/// Decoding a batch's cart events on a second thread, beside the loop, must not change a
/// byte of what the worker writes: the same events, the same dead-letter reasons.
@Suite("Decoding ahead: a batch's cart events decoded beside the loop")
struct DecodeAheadTests {
    static let topics = TopicNames()

    static func processor() throws -> EventProcessor {
        EventProcessor(
            engine: OfferEngine(catalog: try OfferCatalog(offers: Fixtures.offers)), topics: topics, eventSource: "/offer-worker",
            metrics: WorkerMetrics(), codec: EventCodec(limits: EventLimits()))
    }

    static func record(_ topic: String, key: String?, value: [UInt8]?, offset: Int) -> ConsumerRecord {
        ConsumerRecord(topic: topic, partition: 0, offset: Int64(offset), key: key.map { Array($0.utf8) }, value: value)
    }

    /// Valid carts (several versions of each, so later ones read earlier state) mixed with
    /// every kind of refusal decoding can give, and records of the other inputs.
    static func mixedBatch(prefix: String) -> [ConsumerRecord] {
        var records: [ConsumerRecord] = []
        func add(_ topic: String = topics.cartUpdated, key: String?, _ value: [UInt8]?) {
            records.append(record(topic, key: key, value: value, offset: records.count))
        }
        for version in 1...3 {
            for cart in 0..<20 {
                let id = "\(prefix)-\(cart)"
                let lines = cart % 2 == 0 ? [Fixtures.phoneLine, Fixtures.cableLine] : [Fixtures.phoneLine]
                add(key: id, Fixtures.codec.encode(Fixtures.cart(id, version: version, minute: version, lines: lines)))
            }
            add(key: "\(prefix)-bad", Array(#"{"cartId": "\#(prefix)-bad", "version": "#.utf8))
            add(key: "\(prefix)-empty", [])
            add(key: "\(prefix)-none", nil)
            add(key: "\(prefix)-utf8", [0x7B, 0xFF, 0x7D])
            add(key: "someone-else", Fixtures.codec.encode(Fixtures.cart("\(prefix)-0", version: 10 + version, minute: version, lines: [Fixtures.phoneLine])))
            add(topics.offerAccepted, key: "\(prefix)-0", Array(#"{"not": "an acceptance"}"#.utf8))
        }
        return records
    }

    @Test("each record gets the event, or the reason, that decoding it inline gives, and the outputs are the same bytes")
    func sameAsInline() throws {
        let processor = try Self.processor()
        let ahead = DecodeAhead(name: "test-decode")
        defer { ahead.stop() }
        var inlineStore = CartStateStore(), aheadStore = CartStateStore()
        var refusals = 0
        // Three batches on one helper: it is reused from batch to batch.
        for batch in 0..<3 {
            let records = Self.mixedBatch(prefix: "batch\(batch)")
            ahead.begin(records, processor: processor)
            for (index, record) in records.enumerated() {
                let decoded = ahead.withDecoded(index) { copy $0 }
                let inline = processor.decodeCartEvent(record)
                #expect(decoded == inline, "record \(index)")
                if record.topic != Self.topics.cartUpdated { #expect(decoded == nil) }
                if case .failure = decoded { refusals += 1 }
                let expected = processor.process(record, store: &inlineStore)
                var outputs: [ProducerRecord] = []
                processor.process(record, decoded: decoded, store: &aheadStore, into: &outputs)
                #expect(outputs == expected, "record \(index)")
            }
            ahead.end()
        }
        // Bad JSON, empty, missing and non-UTF-8 values, three times in each of three batches.
        #expect(refusals == 4 * 3 * 3)
        #expect(aheadStore.takeChangelog(topic: "changelog") == inlineStore.takeChangelog(topic: "changelog"))
    }

    @Test("a batch left part-way (its processing failed) releases the helper for the next one")
    func endPartWay() throws {
        let processor = try Self.processor()
        let ahead = DecodeAhead(name: "test-decode")
        defer { ahead.stop() }
        let records = Self.mixedBatch(prefix: "cut")
        ahead.begin(records, processor: processor)
        _ = ahead.withDecoded(0) { copy $0 }
        ahead.end()
        ahead.begin(records, processor: processor)
        let last = records.count - 1
        #expect(ahead.withDecoded(last) { copy $0 } == processor.decodeCartEvent(records[last]))
        ahead.end()
    }

    @Test("a loop taking records as fast as they are decoded waits for each, sleeping and woken, and gets every one")
    func takenAsDecoded() throws {
        let processor = try Self.processor()
        let ahead = DecodeAhead(name: "test-decode")
        defer { ahead.stop() }
        let records = (0..<12).flatMap { Self.mixedBatch(prefix: "fast\($0)") }
        let expected = records.map { processor.decodeCartEvent($0) }
        for _ in 0..<5 {
            ahead.begin(records, processor: processor)
            var mismatches = 0
            for index in records.indices where ahead.withDecoded(index, { copy $0 }) != expected[index] { mismatches += 1 }
            ahead.end()
            #expect(mismatches == 0)
        }
        print("taken as decoded: \(records.count) records × 5 batches, the loop slept \(ahead.sleeps) times")
        #expect(ahead.sleeps > 0)
    }

    @Test("a worker started on a backlog decodes its batches ahead, and writes exactly what processing the inputs in order gives")
    func backlog() async throws {
        let group = try await WorkerGroup(partitions: 2)
        let carts = ScalingTests.carts("ahead", 150, minute: 0)
        func record(_ key: String, _ value: [UInt8]) -> ProducerRecord {
            ProducerRecord(topic: group.topics.cartUpdated, key: Array(key.utf8), value: value, timestamp: Fixtures.recordTimestamp)
        }
        // Poison amid the backlog, so it is read in large batches too: malformed, an event over
        // the size limit, one from five years ahead, and another cart's newer event under the
        // wrong key. Each is dead-lettered alone; the carts around them are untouched.
        let bad = ["{\"cartId\": \"ahead-bad\"", "", "[1, 2]"].map { record("ahead-bad", Array($0.utf8)) } + [
            record("ahead-huge", PoisonRecordTests.cartJSON("ahead-huge", paddedTo: 990_000)),
            record("ahead-future", PoisonRecordTests.cartJSON("ahead-future", occurredAt: "2031-11-24T10:00:00Z", lines: 1)),
            record("someone-else", PoisonRecordTests.cartJSON("ahead-0", version: 9, lines: 1)),
        ]
        try await group.send(carts: Array(carts[..<75]))
        try await group.producer.sendAll(bad)
        try await group.send(carts: Array(carts[75...]))
        // Started on the backlog, the worker polls it in large batches.
        let worker = try group.startWorker(["--metrics-port", "0"])
        let inputs = try await group.inputs(carts: carts.count + bad.count)
        try await group.waitUntilCommitted(inputs, context: { worker.log })
        let duplicates = try await Reconciliation(inputs: inputs, offers: Fixtures.offers).check(kafka: group.kafka)
        #expect(duplicates == 0)
        let port = try #require(worker.lastValue(of: "port", inLinesContaining: "metrics endpoint listening"))
        let metrics = PrometheusText(try await offPool { try RawHTTPConnection(port: port).get("/metrics").body })
        let decodedAhead = try #require(metrics.value("offer_worker_records_decoded_ahead_total"), "\(metrics.lines(of: "offer_worker"))")
        print("backlog of \(inputs.count) inputs: \(Int(decodedAhead)) decoded ahead of the loop")
        #expect(decodedAhead >= Double(DecodeAhead.minimumBatch))
        #expect(decodedAhead <= Double(inputs.count))
        #expect(metrics.value("offer_worker_dead_letters_total") == Double(bad.count))
        let deadLettered = worker.log.split(separator: "\n").filter { $0.contains("input dead-lettered") }
        for line in deadLettered { print(line.prefix(400)) }
        #expect(deadLettered.count == bad.count)
        #expect(try await worker.stop() == 0)
    }
}
