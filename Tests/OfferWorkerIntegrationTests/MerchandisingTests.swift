import Foundation
import Kafka
import OfferEngine
import OfferWorker
import Testing

/// Merchandising rules on a running worker: the availability topic with its fallback,
/// restock and outOfStock answers, and exclusivity groups and stopAfter.
@Suite("Merchandising: availability topic, fallback, outOfStock, exclusivity and stopAfter", .serialized)
struct MerchandisingTests {
    static let availabilityTopic = "product.availability"

    /// A cross-sell on phone carts offering `variant`.
    static func offer(_ id: String, priority: Int, variant: String? = nil, fields: String = "") -> Offer {
        Fixtures.offer(#"{"offerId":"\#(id)","kind":"crossSell","status":"active","priority":\#(priority),"currency":"EUR",\#(fields)"displayCriteria":{"cartContains":{"collectionIds":["phones"]}},"items":[{"productId":"\#(id)","variantId":"\#(variant ?? "\(id)-1")","quantity":1,"unitPrice":"29.00"}]}"#)
    }

    /// The black case first, the clear one as its fallback; one offer per cart.
    static let cases = [offer("case-black", priority: 9, variant: "phone-case-black"), offer("case-clear", priority: 5, variant: "phone-case-clear")]

    func harness(offers: [Offer], maxOffersPerCart: Int = 3, availabilityTopic: Bool = true) async throws -> WorkerHarness {
        try await WorkerHarness(
            offers: offers, maxOffersPerCart: maxOffersPerCart, startWorker: false,
            beforeStart: { cluster in if availabilityTopic { try cluster.createTopic(Self.availabilityTopic, partitions: 2) } },
            configure: { if availabilityTopic { $0.availabilityTopic = Self.availabilityTopic } })
    }

    /// Publishes a variant's stock (`nil`: deletes its entry).
    func publish(_ harness: WorkerHarness, _ variantId: String, available: Bool?, quantity: Int? = nil) async throws {
        let value = available.map { available in
            #"{"variantId":"\#(variantId)","available":\#(available),\#(quantity.map { #""quantity":\#($0),"# } ?? "")"updatedAt":"2026-11-24T09:00:00Z"}"#
        }
        _ = try await harness.send(records: [ProducerRecord(topic: Self.availabilityTopic, key: Array(variantId.utf8), value: value.map { Array($0.utf8) })])
    }

    /// Sends a cart event and returns what was presented to it (in rank order).
    func presented(_ harness: WorkerHarness, _ cart: CartUpdated) async throws -> [OfferPresented] {
        try await harness.send([cart])
        var offers: [OfferPresented] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let batch = try await harness.drain(for: .milliseconds(500))[harness.topics.offerPresented] ?? []
            let mine = try batch.map { try harness.codec.decode(OfferPresented.self, from: $0.value ?? []) }.filter { $0.cartEventId == cart.eventId }
            offers += mine
            if !offers.isEmpty && mine.isEmpty { break }
        }
        return offers
    }

    /// Sends fresh carts (`prefix-1`, `prefix-2`, ...) until one is shown `expected`: a stock
    /// change published before has reached the worker. Up to 30 s.
    func shown(_ harness: WorkerHarness, _ expected: [String], probing prefix: String, minute: Int) async throws -> Bool {
        try await harness.retry(until: expected) { try await presented(harness, phoneCart("\(prefix)-\($0)", minute: minute)).map(\.offerId) } == expected
    }

    func phoneCart(_ cartId: String, version: Int = 1, minute: Int = 0, phones: Int = 1) -> CartUpdated {
        var phone = Fixtures.phoneLine
        phone.3 = phones
        return Fixtures.cart(cartId, version: version, minute: minute, lines: [phone])
    }

    @Test("read in full before processing; an update suppresses an offer and the fallback takes its place; a restock brings it back on the next cart event only")
    func fallbackAndRestock() async throws {
        let harness = try await harness(offers: Self.cases, maxOffersPerCart: 1)
        try await publish(harness, "phone-case-black", available: false)
        harness.startWorker()
        #expect(try await presented(harness, phoneCart("early")).map(\.offerId) == ["case-clear"])

        // Restocked: nothing is re-evaluated until the cart changes.
        try await publish(harness, "phone-case-black", available: true, quantity: 4)
        try await Task.sleep(for: .seconds(1.5))
        #expect(try await harness.drain(for: .seconds(1))[harness.topics.offerPresented, default: []].isEmpty)
        #expect(try await shown(harness, ["case-black"], probing: "restocked", minute: 1), "the restock did not reach the worker")
        #expect(try await presented(harness, phoneCart("early", version: 2, minute: 1, phones: 2)).map(\.offerId) == ["case-black"])

        // Out of stock again (a known quantity of 0): the fallback again.
        try await publish(harness, "phone-case-black", available: true, quantity: 0)
        #expect(try await shown(harness, ["case-clear"], probing: "sold-out", minute: 2), "the stock-out did not reach the worker")
        #expect(try await presented(harness, phoneCart("later", minute: 2)).map(\.offerId) == ["case-clear"])
        // The entry deleted: available.
        try await publish(harness, "phone-case-black", available: nil)
        #expect(try await shown(harness, ["case-black"], probing: "deleted", minute: 3), "the deletion did not reach the worker")
        #expect(try await presented(harness, phoneCart("last", minute: 3)).map(\.offerId) == ["case-black"])
        try await harness.stop()
    }

    @Test("an acceptance after a stock-out is answered outOfStock and mutates nothing")
    func outOfStockAcceptance() async throws {
        let harness = try await harness(offers: Self.cases, maxOffersPerCart: 1)
        harness.startWorker()
        let shopper = try await presented(harness, phoneCart("shopper"))
        let presentation = try #require(shopper.first)
        #expect(presentation.offerId == "case-black")
        try await publish(harness, "phone-case-black", available: false)
        #expect(try await shown(harness, ["case-clear"], probing: "stock-out", minute: 1), "the stock-out did not reach the worker")
        try await harness.send([Fixtures.accept(presentation.presentationId, cart: "shopper", minute: 1, event: "acc-stock")])
        let rejected = try await harness.read(OfferRejected.self, harness.topics.offerRejected, count: 1)
        #expect(rejected.map(\.reason) == [.outOfStock])
        #expect(rejected.first?.offerId == "case-black")
        #expect(try await harness.drain(for: .seconds(1))[harness.topics.cartMutation, default: []].isEmpty)
        try await harness.stop()
    }

    @Test("over a catalog of several offers: one offer per exclusivity group, nothing below a shown stopAfter offer")
    func exclusivityAndStopAfter() async throws {
        let catalog = [
            Self.offer("care-plus", priority: 9, fields: #""exclusivityGroup":"protection","#),
            Self.offer("care-basic", priority: 8, fields: #""exclusivityGroup":"protection","#),
            Self.offer("case-black", priority: 7, variant: "phone-case-black", fields: #""exclusivityGroup":"cases","#),
            Self.offer("case-clear", priority: 6, variant: "phone-case-clear", fields: #""exclusivityGroup":"cases","stopAfter":true,"#),
            Self.offer("charger", priority: 5),
            Self.offer("cable", priority: 4),
        ]
        let harness = try await harness(offers: catalog, maxOffersPerCart: 4)
        try await publish(harness, "phone-case-black", available: false)
        harness.startWorker()
        // care-basic is outranked; case-black is out of stock, so case-clear takes the group
        // and stops the evaluation: charger and cable are not presented.
        #expect(try await presented(harness, phoneCart("multi")).map(\.offerId) == ["care-plus", "case-clear"])
        // Back in stock: case-black takes the group, case-clear (and its stopAfter) gives way.
        try await publish(harness, "phone-case-black", available: true)
        let restocked = ["care-plus", "case-black", "charger", "cable"]
        #expect(try await shown(harness, restocked, probing: "restocked", minute: 1), "the restock did not reach the worker")
        #expect(try await presented(harness, phoneCart("multi-2", minute: 1)).map(\.offerId) == restocked)
        try await harness.stop()
    }

    @Test("a bad availability record is refused and the variant keeps its last good entry")
    func badRecords() async throws {
        let harness = try await harness(offers: Self.cases, maxOffersPerCart: 1)
        try await publish(harness, "phone-case-black", available: false)
        harness.startWorker()
        #expect(try await presented(harness, phoneCart("one")).map(\.offerId) == ["case-clear"])
        try await publish(harness, "phone-case-black", available: true, quantity: -3)
        _ = try await harness.send(records: [
            ProducerRecord(topic: Self.availabilityTopic, key: Array("phone-case-black".utf8),
                           value: Array(#"{"variantId":"phone-case-black","available":true,"qty":3,"updatedAt":"2026-11-24T09:00:00Z"}"#.utf8)),
            ProducerRecord(topic: Self.availabilityTopic, key: Array("other".utf8),
                           value: Array(#"{"variantId":"phone-case-black","available":true,"updatedAt":"2026-11-24T09:00:00Z"}"#.utf8)),
        ])
        // All three refused (a negative quantity, an unknown field, a key that is not the variant).
        _ = try await harness.logged("availability record refused", moreThan: 2)
        #expect(harness.logs.count("availability record refused") == 3)
        #expect(try await presented(harness, phoneCart("two", minute: 1)).map(\.offerId) == ["case-clear"])
        try await harness.stop()
    }

    @Test("a configured availability topic that does not exist stops the worker at start, naming it")
    func missingTopic() async throws {
        let harness = try await WorkerHarness(offers: Self.cases, startWorker: false, configure: { $0.availabilityTopic = "no.such.availability" })
        let error = await harness.startWorker().stopped(within: .seconds(30))
        #expect("\(error.map { "\($0)" } ?? "no error")".contains("the availability topic no.such.availability does not exist"))
        try? await harness.stop()
    }
}
