import Foundation
import Kafka
import OfferEngine
import OfferWorker
import Testing

/// The core flows checked against ``HandWrittenOutputs``: expectations written by hand from
/// the product rules, not by the worker's own `EventProcessor` (which the reconciliation
/// tests use as their oracle, and which would agree with itself about a wrong rule).
@Suite("Core flows against outputs written by hand", .serialized)
struct HandWrittenOutputTests {
    static func millis(_ time: String) -> Int64 { EventTime(rfc3339: time)!.millisecondsSinceEpoch }

    static func record(_ topic: String, key: String, _ json: String, at time: String) -> ProducerRecord {
        ProducerRecord(topic: topic, key: Array(key.utf8), value: Array(json.utf8), timestamp: millis(time))
    }

    static func acceptance(_ eventId: String, cart: String, presentation: String, minute: Int, key: String? = nil) -> ProducerRecord {
        record("offer.accepted", key: key ?? cart,
               #"{"cartId":"\#(cart)","eventId":"\#(eventId)","occurredAt":"\#(Fixtures.time(minute))","presentationId":"\#(presentation)"}"#,
               at: Fixtures.time(minute))
    }

    @Test("upsell, cross-sell, expiry, cart mismatch, repeated acceptance and decline give exactly the hand-written outputs, byte for byte")
    func coreFlows() async throws {
        typealias P = HandWrittenOutputs.Presentation
        let harness = try await WorkerHarness(offers: Fixtures.offers)
        try await harness.send([
            Fixtures.cart("hw-upsell", event: "hw-e1", lines: [Fixtures.phoneLine, Fixtures.cableLine]),
            Fixtures.cart("hw-cross", event: "hw-e2", lines: [Fixtures.phoneLine]),
            Fixtures.cart("hw-late", event: "hw-e3", lines: [Fixtures.phoneLine]),
            Fixtures.cart("hw-gone", event: "hw-e4", lines: [Fixtures.phoneLine, Fixtures.cableLine]),
            Fixtures.cart("hw-decline", event: "hw-e5", lines: [Fixtures.phoneLine, Fixtures.cableLine]),
        ])
        let first = try await harness.read(harness.topics.offerPresented, count: 10)
        try Self.expect(first, equal: HandWrittenOutputs.firstPresentations.map { ("offer.presented", $0) })

        // hw-gone loses its trigger line and hw-decline declines the cross-sell: neither
        // emits anything, so wait until both are committed before going on.
        try await harness.send([Fixtures.cart("hw-gone", version: 2, minute: 1, event: "hw-e4b", lines: [Fixtures.cableLine])])
        _ = try await harness.send(records: [Self.record(
            harness.topics.offerDeclined, key: "hw-decline",
            #"{"cartId":"hw-decline","eventId":"hw-d1","occurredAt":"\#(Fixtures.time(1))","presentationId":"\#(P.declineCartBundle)"}"#,
            at: Fixtures.time(1))])
        let reader = try await KafkaTopicReader(configuration: harness.kafka, topics: [harness.topics.cartUpdated, harness.topics.offerDeclined])
        let quiet = try await reader.read(topic: harness.topics.cartUpdated, count: 6).suffix(1)
            + (try await reader.read(topic: harness.topics.offerDeclined, count: 1))
        await reader.close()
        try await harness.waitUntilCommitted(Array(quiet))
        let nothing = try await harness.drain(for: .milliseconds(500))
        #expect(nothing.values.allSatisfy { $0.isEmpty })

        _ = try await harness.send(records: [
            Self.acceptance("hw-a1", cart: "hw-upsell", presentation: P.upsellCartUpgrade, minute: 5),
            Self.acceptance("hw-a2", cart: "hw-upsell", presentation: P.upsellCartUpgrade, minute: 6),
            Self.acceptance("hw-a3", cart: "hw-cross", presentation: P.crossCartBundle, minute: 2),
            Self.acceptance("hw-a4", cart: "hw-late", presentation: P.lateCartBundle, minute: 30),
            Self.acceptance("hw-a5", cart: "hw-cross", presentation: P.crossCartUpgrade, minute: 3, key: "hw-intruder"),
            Self.acceptance("hw-a6", cart: "hw-late", presentation: P.upsellCartUpgrade, minute: 4),
            Self.acceptance("hw-a7", cart: "hw-gone", presentation: P.goneCartUpgrade, minute: 2),
            Self.acceptance("hw-a8", cart: "hw-cross", presentation: "no-such-presentation", minute: 4),
        ])
        try await harness.send([Fixtures.cart("hw-decline", version: 2, minute: 2, event: "hw-e6",
                                              lines: [("l1", "phone-std", "phone-std-64", 2, "799.00", ["phones"]), Fixtures.cableLine])])
        let later = try await harness.read(harness.topics.cartMutation, count: 2)
            + (try await harness.read(harness.topics.offerRejected, count: 5))
            + (try await harness.read(harness.topics.offerPresented, count: 1))
        try Self.expect(later, equal: HandWrittenOutputs.laterOutputs)
        // Nothing else: the repeated acceptance (hw-a2) and the declined cross-sell emit nothing.
        let extra = try await harness.drain(for: .seconds(2))
        #expect(extra.values.allSatisfy { $0.isEmpty }, "unexpected: \(extra.values.joined().map { String(decoding: $0.value ?? [], as: UTF8.self) })")
        try await harness.stop()
    }

    /// Each expected output arrived once with exactly these bytes, keyed by its cart, stamped
    /// with its event time and carrying its CloudEvents headers; nothing else arrived.
    static func expect(_ records: [ConsumerRecord], equal expected: [(topic: String, value: String)],
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(records.count == expected.count, sourceLocation: sourceLocation)
        for (topic, value) in expected {
            let fields = try #require(try JSONSerialization.jsonObject(with: Data(value.utf8)) as? [String: Any], sourceLocation: sourceLocation)
            let eventId = fields["eventId"] as! String, cartId = fields["cartId"] as! String, time = fields["occurredAt"] as! String
            let matching = records.filter { $0.topic == topic && $0.header("ce_id")?.stringValue == eventId }
            guard matching.count == 1, let record = matching.first else {
                let arrived = records.map { String(decoding: $0.value ?? [], as: UTF8.self) }.joined(separator: "\n")
                Issue.record("\(topic) \(eventId) arrived \(matching.count) times; expected once:\n\(value)\nwhat arrived:\n\(arrived)", sourceLocation: sourceLocation)
                continue
            }
            #expect(String(decoding: record.value ?? [], as: UTF8.self) == value, sourceLocation: sourceLocation)
            #expect(record.keyString == cartId, sourceLocation: sourceLocation)
            #expect(record.timestamp == millis(time), sourceLocation: sourceLocation)
            #expect(record.headers == [
                KafkaHeader(name: "ce_specversion", string: "1.0"),
                KafkaHeader(name: "ce_id", string: eventId),
                KafkaHeader(name: "ce_type", string: "dev.offerworker.\(topic)"),
                KafkaHeader(name: "ce_source", string: "/offer-worker"),
                KafkaHeader(name: "ce_time", string: time),
                KafkaHeader(name: "ce_subject", string: cartId),
                KafkaHeader(name: "content-type", string: "application/json"),
            ], sourceLocation: sourceLocation)
        }
    }
}
