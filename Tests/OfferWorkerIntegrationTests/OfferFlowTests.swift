import Foundation
import Kafka
import OfferEngine
import OfferWorker
import Testing

@Suite("Offer worker end to end", .serialized)
struct OfferFlowTests {
    /// Carts spread over 4 partitions: upsell + cross-sell, cross-sell only, no offer,
    /// offered item already in the cart.
    static let carts: [CartUpdated] = (0..<4).flatMap { i in [
        Fixtures.cart("phone-\(i)", minute: i, lines: [Fixtures.phoneLine, Fixtures.cableLine]),
        Fixtures.cart("cable-\(i)", minute: i, lines: [Fixtures.cableLine]),
        Fixtures.cart("cased-\(i)", minute: i, lines: [("l9", "phone-x", "phone-x-1", 1, "499.00", ["phones"]), Fixtures.caseLine]),
    ] }

    @Test("cart updates present the right offers; acceptances give mutations or rejections", arguments: Broker.all)
    func wholeFlow(broker: Broker) async throws {
        let harness = try await WorkerHarness(on: broker, offers: Fixtures.offers)
        try await harness.send(Self.carts)

        // 4 phone carts × (pro-upgrade + case-bundle); cable and cased carts get nothing.
        let records = try await harness.read(harness.topics.offerPresented, count: 8)
        let presented = try records.map { try harness.codec.decode(OfferPresented.self, from: $0.value!) }
        #expect(Set(presented.map(\.cartId)) == Set((0..<4).map { "phone-\($0)" }))
        for cartId in (0..<4).map({ "phone-\($0)" }) {
            let offers = presented.filter { $0.cartId == cartId }
            #expect(offers.map(\.offerId).sorted() == ["case-bundle", "pro-upgrade"])
            let upsell = try #require(offers.first { $0.offerId == "pro-upgrade" })
            #expect(upsell.offerKind == .upsell)
            #expect(upsell.triggerLineIds == ["l1"])
            #expect(upsell.items.map(\.unitPrice.description) == ["999.00"])
            #expect(upsell.expiresAt == upsell.occurredAt.adding(seconds: 1800))
        }
        // CloudEvents binary-mode headers, keyed by cart.
        for (record, event) in zip(records, presented) {
            #expect(record.keyString == event.cartId)
            #expect(record.header("ce_specversion")?.stringValue == "1.0")
            #expect(record.header("ce_id")?.stringValue == event.eventId)
            #expect(record.header("ce_type")?.stringValue == "dev.offerworker.offer.presented")
            #expect(record.header("ce_source")?.stringValue == "/offer-worker")
            #expect(record.header("ce_time")?.stringValue == event.occurredAt.description)
            #expect(record.header("content-type")?.stringValue == "application/json")
            #expect(record.timestamp == event.occurredAt.millisecondsSinceEpoch)
        }
        // The outputs of a cart stay on the cart's partition number (co-partitioned keys).
        let partitionOf = Dictionary(records.map { ($0.keyString!, [$0.partition]) }, uniquingKeysWith: +)
        #expect(partitionOf.values.allSatisfy { Set($0).count == 1 })
        #expect(Set(records.map(\.partition)).count > 1, "carts should spread over several partitions")

        let upsell = presented.first { $0.cartId == "phone-0" && $0.offerId == "pro-upgrade" }!
        let crossSell = presented.first { $0.cartId == "phone-1" && $0.offerId == "case-bundle" }!
        let lateCrossSell = presented.first { $0.cartId == "phone-2" && $0.offerId == "case-bundle" }!
        try await harness.send([
            Fixtures.accept(upsell.presentationId, cart: "phone-0", minute: 5, event: "acc-1"),
            Fixtures.accept(crossSell.presentationId, cart: "phone-1", minute: 6, event: "acc-2"),
            Fixtures.accept(upsell.presentationId, cart: "phone-0", minute: 7, event: "acc-3"),      // repeated
            Fixtures.accept(lateCrossSell.presentationId, cart: "phone-2", minute: 30, event: "acc-4"), // ttl 600 s
            Fixtures.accept("no-such-presentation", cart: "cable-0", minute: 8, event: "acc-5"),
        ])

        let mutations = try await harness.read(CartMutation.self, harness.topics.cartMutation, count: 2)
        let upsellMutation = try #require(mutations.first { $0.cartId == "phone-0" })
        #expect(upsellMutation.offerKind == .upsell)
        #expect(upsellMutation.presentationId == upsell.presentationId)
        #expect(upsellMutation.operations == [
            .removeLine(lineId: "l1"),
            .addLine(productId: "phone-pro", variantId: "phone-pro-128", quantity: 1, unitPrice: DecimalAmount("999.00")!, compareAtPrice: DecimalAmount("1099.00")!),
        ])
        let crossSellMutation = try #require(mutations.first { $0.cartId == "phone-1" })
        #expect(crossSellMutation.offerKind == .crossSell)
        #expect(crossSellMutation.operations == [
            .addLine(productId: "phone-case", variantId: "phone-case-black", quantity: 1, unitPrice: DecimalAmount("29.00")!),
        ])

        let rejections = try await harness.read(OfferRejected.self, harness.topics.offerRejected, count: 2)
        #expect(rejections.first { $0.cartId == "phone-2" }?.reason == .expired)
        #expect(rejections.first { $0.cartId == "cable-0" }?.reason == .unknownPresentation)

        // The repeated acceptance produced nothing more.
        let extra = try await harness.drain(for: .seconds(2))
        #expect(extra.values.allSatisfy { $0.isEmpty }, "unexpected outputs: \(extra.mapValues(\.count))")
        try await harness.stop()
    }

    @Test("an acceptance keyed by another cart is rejected with cartMismatch")
    func keyMismatch() async throws {
        let harness = try await WorkerHarness(offers: Fixtures.offers)
        try await harness.send([Fixtures.cart("victim", lines: [Fixtures.phoneLine])])
        let presented = try await harness.read(OfferPresented.self, harness.topics.offerPresented, count: 2)
        try await harness.send([Fixtures.accept(presented[0].presentationId, cart: "victim", minute: 1, event: "evil")], key: "attacker")
        let rejected = try await harness.read(OfferRejected.self, harness.topics.offerRejected, count: 1)
        #expect(rejected[0].reason == .cartMismatch)
        let extra = try await harness.drain(for: .seconds(1))
        #expect(extra[harness.topics.cartMutation] == nil)
        try await harness.stop()
    }

    @Test("an undecodable event goes to the dead-letter topic with its reason, and the worker carries on", arguments: Broker.all)
    func deadLetter(broker: Broker) async throws {
        let harness = try await WorkerHarness(on: broker, offers: Fixtures.offers)
        try await harness.sendRaw(topic: harness.topics.cartUpdated, key: "broken", value: Array(#"{"cartId":"broken","#.utf8))
        try await harness.send([Fixtures.cart("after-broken", lines: [Fixtures.phoneLine])])
        let dead = try await harness.outputs.read(topic: harness.topics.deadLetter, count: 1)
        #expect(dead[0].value == Array(#"{"cartId":"broken","#.utf8))
        #expect(dead[0].keyString == "broken")
        #expect(dead[0].header("dlq_source_topic")?.stringValue == harness.topics.cartUpdated)
        #expect(dead[0].header("dlq_reason")?.stringValue?.contains("JSON") == true)
        let presented = try await harness.read(OfferPresented.self, harness.topics.offerPresented, count: 2)
        #expect(presented.allSatisfy { $0.cartId == "after-broken" })
        try await harness.stop()
    }

    @Test("replaying the same input on a fresh cluster gives byte-identical output")
    func replayIsByteIdentical() async throws {
        func run() async throws -> [String: [ConsumerRecord]] {
            let harness = try await WorkerHarness(offers: Fixtures.offers)
            try await harness.send(Self.carts)
            let presented = try await harness.read(OfferPresented.self, harness.topics.offerPresented, count: 8)
            try await harness.send(presented.filter { $0.cartId != "phone-3" }.sorted { $0.presentationId < $1.presentationId }.map {
                Fixtures.accept($0.presentationId, cart: $0.cartId, minute: 9, event: "acc-\($0.presentationId)")
            } + [Fixtures.accept("unknown", cart: "cable-1", minute: 9, event: "acc-unknown")])
            _ = try await harness.read(harness.topics.cartMutation, count: 6)
            _ = try await harness.read(harness.topics.offerRejected, count: 1)
            try await harness.stop()
            // Everything, from the beginning, per topic.
            let reader = try await KafkaTopicReader(configuration: harness.kafka, topics: harness.topics.outputs)
            var all: [String: [ConsumerRecord]] = [:]
            for (topic, count) in [(harness.topics.offerPresented, 8), (harness.topics.cartMutation, 6), (harness.topics.offerRejected, 1)] {
                all[topic] = try await reader.read(topic: topic, count: count)
            }
            await reader.close()
            return all
        }
        let first = try await run()
        let second = try await run()
        for topic in first.keys.sorted() {
            // Compare per partition in offset order: key, value and headers byte for byte.
            func canonical(_ records: [ConsumerRecord]) -> [[String]] {
                records.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }.map { r in
                    ["\(r.partition)", r.keyString ?? "", String(decoding: r.value ?? [], as: UTF8.self)]
                        + r.headers.map { "\($0.name)=\($0.stringValue ?? "")" } + ["\(r.timestamp ?? -1)"]
                }
            }
            #expect(canonical(first[topic]!) == canonical(second[topic]!), "topic \(topic) differs between runs")
        }
    }
}
