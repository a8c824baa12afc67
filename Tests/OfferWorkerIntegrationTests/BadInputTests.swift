import Foundation
import Kafka
import OfferEngine
import OfferWorker
import Testing

@Suite("Bad input: dead-lettered with its reason, nothing lost, the worker carries on", .serialized)
struct BadInputTests {
    static let goodCart = #"{"eventId":"EVENT","cartId":"CART","version":1,"occurredAt":"2026-11-24T10:00:00Z","currency":"EUR","lines":[{"lineId":"l1","productId":"phone-std","variantId":"phone-std-64","quantity":1,"unitPrice":"799.00","collectionIds":["phones"]}]}"#

    static func cart(_ cartId: String, _ edit: (String) -> String = { $0 }) -> [UInt8] {
        Array(edit(goodCart.replacingOccurrences(of: "EVENT", with: "evt-\(cartId)").replacingOccurrences(of: "CART", with: cartId)).utf8)
    }

    /// (key, value, the reason the dead letter must give); `nil` reason for good input.
    static let cartInputs: [(String?, [UInt8], String?)] = [
        ("good-1", cart("good-1"), nil),
        ("bin", [0x7B, 0xFF, 0xFE, 0x00, 0x7D], "not valid UTF-8"),
        ("text", Array("hello, world".utf8), "not valid JSON"),
        ("types", cart("types") { $0.replacingOccurrences(of: #""version":1"#, with: #""version":"1""#) }, "version: expected an integer"),
        ("missing", cart("missing") { $0.replacingOccurrences(of: #""currency":"EUR","#, with: "") }, "currency: missing required field"),
        ("good-2", cart("good-2"), nil),
        ("negative", cart("negative") { $0.replacingOccurrences(of: #""quantity":1"#, with: #""quantity":-2"#) }, "lines[0].quantity: must be at least 1 (got -2)"),
        ("float", cart("float") { $0.replacingOccurrences(of: #""799.00""#, with: "799.0") }, "lines[0].unitPrice: not a decimal string"),
        ("lines", cart("lines") { cart in
            let line = #"{"lineId":"l1","productId":"phone-std","variantId":"phone-std-64","quantity":1,"unitPrice":"799.00","collectionIds":["phones"]}"#
            let many = (1...6).map { line.replacingOccurrences(of: #""l1""#, with: "\"l\($0)\"") }.joined(separator: ",")
            return cart.replacingOccurrences(of: line, with: many)
        }, "lines: 6 lines is over the limit of 5"),
        ("bytes", cart("bytes") { $0.replacingOccurrences(of: #""currency""#, with: #""attributes":{"note":"\#(String(repeating: "x", count: 5000))"},"currency""#) }, "over the limit of 4096"),
        ("future", cart("future") { $0.replacingOccurrences(of: #""version":1"#, with: #""version":1,"schemaVersion":2"#) }, "schemaVersion: unsupported version 2"),
        ("someone-else", cart("victim"), "does not match cartId 'victim'"),
        (nil, cart("keyless"), "record key (none) does not match cartId 'keyless'"),
        ("empty", [], "empty value"),
        ("good-3", cart("good-3"), nil),
    ]

    @Test("each kind of unusable event is dead-lettered unchanged with its reason; good events around it are processed")
    func deadLetters() async throws {
        let harness = try await WorkerHarness(offers: Fixtures.offers, limits: EventLimits(maxBytes: 4096, maxLines: 5))
        let traced = KafkaHeader(name: "traceparent", string: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        let records = Self.cartInputs.map { key, value, _ in
            ProducerRecord(topic: harness.topics.cartUpdated, key: key.map { Array($0.utf8) }, value: value, headers: [traced], timestamp: Fixtures.recordTimestamp)
        }
        let reports = try await harness.send(records: records)

        // Acceptances: one unusable, one keyed by another cart (a rejection, not a dead letter).
        let presented = try await harness.read(OfferPresented.self, harness.topics.offerPresented, count: 6)
        let good1 = try #require(presented.first { $0.cartId == "good-1" && $0.offerId == "pro-upgrade" })
        let acceptances = [
            ProducerRecord(topic: harness.topics.offerAccepted, key: Array("good-1".utf8),
                           value: Array(#"{"eventId":"a1","cartId":"good-1","occurredAt":"2026-11-24T10:01:00Z"}"#.utf8), timestamp: Fixtures.recordTimestamp),
            ProducerRecord(topic: harness.topics.offerAccepted, key: Array("good-2".utf8),
                           value: Fixtures.codec.encode(Fixtures.accept(good1.presentationId, cart: "good-1", minute: 1, event: "a2")), timestamp: Fixtures.recordTimestamp),
            ProducerRecord(topic: harness.topics.offerAccepted, key: Array("good-1".utf8),
                           value: Fixtures.codec.encode(Fixtures.accept(good1.presentationId, cart: "good-1", minute: 1, event: "a3")), timestamp: Fixtures.recordTimestamp),
            // good-3's shopper quotes good-1's presentation under good-3's own key and body.
            ProducerRecord(topic: harness.topics.offerAccepted, key: Array("good-3".utf8),
                           value: Fixtures.codec.encode(Fixtures.accept(good1.presentationId, cart: "good-3", minute: 1, event: "a4")), timestamp: Fixtures.recordTimestamp),
        ]
        let acceptanceReports = try await harness.send(records: acceptances)

        let reconciliation = try Reconciliation(
            inputs: try await harness.inputs(carts: records.count, acceptances: acceptances.count),
            offers: Fixtures.offers, limits: EventLimits(maxBytes: 4096, maxLines: 5))
        // 12 dead carts + 1 dead acceptance; 3 good carts × 2 offers; 2 rejections, 1 mutation.
        #expect(reconciliation.expected.count == 13 + 6 + 3)
        let rejections = try await harness.read(OfferRejected.self, harness.topics.offerRejected, count: 2)
        #expect(rejections.map(\.reason) == [.cartMismatch, .cartMismatch])
        #expect(Set(rejections.map(\.cartId)) == ["good-2", "good-3"])
        try await reconciliation.check(kafka: harness.kafka)

        // And explicitly: every dead letter is the original record plus why and where from.
        let reader = try await KafkaTopicReader(configuration: harness.kafka, topics: [harness.topics.deadLetter])
        let dead = try await reader.read(topic: harness.topics.deadLetter, count: 13)
        await reader.close()
        for ((key, value, reason), report) in zip(Self.cartInputs, reports) {
            let letter = dead.first { $0.header("dlq_source_topic")?.stringValue == report.topic
                && $0.header("dlq_source_partition")?.stringValue == "\(report.partition)"
                && $0.header("dlq_source_offset")?.stringValue == "\(report.offset)" }
            guard let reason else {
                #expect(letter == nil, "good cart \(key ?? "") was dead-lettered: \(letter?.header("dlq_reason")?.stringValue ?? "")")
                continue
            }
            let found = try #require(letter, "no dead letter for \(key ?? "(no key)")")
            #expect(found.key == key.map { Array($0.utf8) })
            #expect(found.value == (value.isEmpty ? nil : value) || found.value == value)
            // The original headers are kept; the traceparent continues the trace as the dead letter's own span.
            let parent = found.header("traceparent")?.stringValue
            #expect(parent?.hasPrefix("00-4bf92f3577b34da6a3ce929d0e0e4736-") == true && parent != traced.stringValue, "\(parent ?? "no traceparent")")
            #expect(found.header("dlq_reason")?.stringValue?.contains(reason) == true,
                    "\(key ?? ""): reason \(found.header("dlq_reason")?.stringValue ?? "none") lacks \(reason)")
        }
        let deadAcceptance = try #require(dead.first { $0.header("dlq_source_offset")?.stringValue == "\(acceptanceReports[0].offset)"
            && $0.header("dlq_source_topic")?.stringValue == harness.topics.offerAccepted })
        #expect(deadAcceptance.header("dlq_reason")?.stringValue == "presentationId: missing required field")
        try await harness.stop()
    }
}
