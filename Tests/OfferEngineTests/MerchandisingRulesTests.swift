import Foundation
import Testing
@testable import OfferEngine

@Suite("Merchandising rules: exclusivity groups, stopAfter, availability and its fallback, outOfStock")
struct MerchandisingRulesTests {
    let phone = Build.line("l1", product: "phone-std", variant: "phone-std-64", price: "799.00", collections: ["phones"])

    func engine(_ offers: [String], maxOffers: Int = 3) throws -> OfferEngine {
        OfferEngine(catalog: try OfferCatalog(offers: offers.map(Build.offer)), settings: OfferEngineSettings(maxOffersPerCart: maxOffers))
    }

    /// A cross-sell on phone-std offering `quantity` of variant `variant`, with `fields` added.
    func offer(_ id: String, priority: Int = 1, fields: String = "", variant: String? = nil, quantity: String = "1") -> String {
        #"{"offerId":"\#(id)","kind":"crossSell","status":"active","priority":\#(priority),"currency":"EUR",\#(fields)"displayCriteria":{"cartContains":{"productIds":["phone-std"]}},"items":[{"productId":"p-\#(id)","variantId":"\#(variant ?? "v-\(id)")","quantity":\#(quantity),"unitPrice":"5.00"}]}"#
    }

    func presented(_ engine: OfferEngine, version: Int64 = 1, minute: Int = 0, lines: [CartLine]? = nil,
                   availability: ProductAvailability = .unrestricted, session: inout CartSession?) -> [String] {
        engine.cartUpdated(Build.cart(version: version, minute: minute, lines ?? [phone]), session: &session, availability: availability)
            .map(\.offerId)
    }

    func presented(_ engine: OfferEngine, availability: ProductAvailability = .unrestricted) -> [String] {
        var session: CartSession?
        return presented(engine, availability: availability, session: &session)
    }

    static func out(_ variants: String...) -> ProductAvailability {
        ProductAvailability(Dictionary(uniqueKeysWithValues: variants.map { ($0, ProductAvailability.Entry(available: false)) }))
    }

    // MARK: exclusivity

    @Test("of an exclusivity group only the highest-priority eligible offer is presented; other groups and ungrouped offers are not affected")
    func exclusivity() throws {
        let engine = try engine([
            offer("care-basic", priority: 5, fields: #""exclusivityGroup":"care","#),
            offer("care-plus", priority: 9, fields: #""exclusivityGroup":"care","#),
            offer("case", priority: 7, fields: #""exclusivityGroup":"cases","#),
            offer("charger", priority: 1),
        ])
        #expect(presented(engine) == ["care-plus", "case", "charger"])
        let explained = engine.explain(Build.cart([phone])).map { "\($0.offerId): \($0.verdict.detail)" }
        #expect(explained.contains("care-basic: outranked in exclusivity group 'care' by 'care-plus'"))
    }

    @Test("an exclusivity tie goes by offerId")
    func exclusivityTie() throws {
        let engine = try engine([offer("b-plan", fields: #""exclusivityGroup":"care","#), offer("a-plan", fields: #""exclusivityGroup":"care","#)])
        #expect(presented(engine) == ["a-plan"])
    }

    @Test("an ineligible group member (unavailable, held out, criteria unmet) leaves the group to the next one")
    func exclusivityFallback() throws {
        let engine = try engine([
            offer("care-plus", priority: 9, fields: #""exclusivityGroup":"care","#),
            offer("care-mid", priority: 8, fields: #""exclusivityGroup":"care","holdoutPercent":100,"#),
            offer("care-basic", priority: 5, fields: #""exclusivityGroup":"care","#),
        ])
        #expect(presented(engine) == ["care-plus"])
        #expect(presented(engine, availability: Self.out("v-care-plus")) == ["care-basic"])
    }

    @Test("the outranked offer does not count against maxOffersPerCart")
    func exclusivityLimit() throws {
        let engine = try engine([
            offer("care-plus", priority: 9, fields: #""exclusivityGroup":"care","#),
            offer("care-basic", priority: 8, fields: #""exclusivityGroup":"care","#),
            offer("case", priority: 1),
        ], maxOffers: 2)
        #expect(presented(engine) == ["care-plus", "case"])
    }

    @Test("a still-shown offer keeps its exclusivity group: the other members stay out")
    func exclusivityStillShown() throws {
        let engine = try engine([
            offer("care-plus", priority: 9, fields: #""exclusivityGroup":"care","#),
            offer("care-basic", priority: 5, fields: #""exclusivityGroup":"care","#),
        ])
        var session: CartSession?
        #expect(presented(engine, version: 1, session: &session) == ["care-plus"])
        #expect(presented(engine, version: 2, session: &session) == [])
        // Out of stock: it gives up its place, the fallback is presented.
        #expect(presented(engine, version: 3, availability: Self.out("v-care-plus"), session: &session) == ["care-basic"])
    }

    // MARK: stopAfter

    @Test("stopAfter: lower-ranked offers are not presented to that cart event")
    func stopAfter() throws {
        let engine = try engine([
            offer("headline", priority: 9, fields: #""stopAfter":true,"#),
            offer("above", priority: 10),
            offer("below", priority: 5),
        ])
        #expect(presented(engine) == ["above", "headline"])
        let verdicts = Dictionary(uniqueKeysWithValues: engine.explain(Build.cart([phone])).map { ($0.offerId, $0.verdict) })
        #expect(verdicts["below"] == .stopped(by: "headline"))
    }

    @Test("stopAfter on an offer that is not shown stops nothing")
    func stopAfterIneligible() throws {
        let engine = try engine([
            offer("headline", priority: 9, fields: #""stopAfter":true,"#),
            offer("below", priority: 5),
        ])
        #expect(presented(engine, availability: Self.out("v-headline")) == ["below"])
        var declined: CartSession?
        _ = presented(engine, session: &declined)
        let presentation = try #require(declined?.presentations.values.first { $0.offerId == "headline" })
        _ = engine.offerDeclined(OfferDeclined(eventId: "d", cartId: "cart-1", presentationId: presentation.presentationId, occurredAt: Build.time(1)),
                                 key: "cart-1", session: &declined)
        #expect(presented(engine, version: 2, minute: 2, session: &declined) == ["below"])
    }

    @Test("stopAfter of a still-shown offer keeps stopping the offers below it")
    func stopAfterStillShown() throws {
        let engine = try engine([offer("headline", priority: 9, fields: #""stopAfter":true,"#), offer("below", priority: 5)])
        var session: CartSession?
        #expect(presented(engine, version: 1, session: &session) == ["headline"])
        #expect(presented(engine, version: 2, session: &session) == [])
    }

    @Test("the index and the plain evaluator agree on groups, stopAfter and availability")
    func indexedAgrees() throws {
        let engine = try engine([
            offer("a", priority: 9, fields: #""exclusivityGroup":"g","#),
            offer("b", priority: 8, fields: #""exclusivityGroup":"g","stopAfter":true,"#),
            #"{"offerId":"c","kind":"crossSell","status":"active","priority":7,"currency":"EUR","displayCriteria":{"subtotal":{"gte":"1"}},"items":[{"productId":"c","variantId":"v-c","quantity":1,"unitPrice":"1.00"}]}"#,
            offer("d", priority: 6),
        ], maxOffers: 3)
        for availability in [ProductAvailability.unrestricted, Self.out("v-a"), Self.out("v-a", "v-b"), Self.out("v-c")] {
            var indexed: CartSession?, plain: CartSession?
            let fast = engine.cartUpdated(Build.cart([phone]), session: &indexed, availability: availability)
            let slow = engine.cartUpdated(Build.cart([phone]), session: &plain, availability: availability, indexed: false)
            #expect(fast == slow)
            #expect(fast.map(\.offerId) == engine.explain(Build.cart([phone]), availability: availability).filter { $0.verdict == .presented }.map(\.offerId))
        }
    }

    // MARK: availability

    @Test("an unavailable offered variant suppresses the offer and the next one takes its place, up to maxOffersPerCart")
    func availabilityFallback() throws {
        let engine = try engine([offer("first", priority: 9), offer("second", priority: 5), offer("third", priority: 1)], maxOffers: 2)
        #expect(presented(engine) == ["first", "second"])
        #expect(presented(engine, availability: Self.out("v-first")) == ["second", "third"])
        #expect(presented(engine, availability: Self.out("v-first", "v-second", "v-third")) == [])
    }

    @Test("a known quantity below what the offer would add suppresses it; enough, untracked or unknown variants do not", arguments: [
        (ProductAvailability.Entry(available: true, quantity: 1), false),
        (ProductAvailability.Entry(available: true, quantity: 2), true),
        (ProductAvailability.Entry(available: true, quantity: nil), true),
        (ProductAvailability.Entry(available: false, quantity: 50), false),
        (ProductAvailability.Entry(available: true, quantity: 0), false),
    ])
    func availabilityQuantity(entry: ProductAvailability.Entry, shown: Bool) throws {
        let engine = try engine([offer("pair", quantity: "2")])
        #expect(presented(engine, availability: ProductAvailability(["v-pair": entry])) == (shown ? ["pair"] : []))
        #expect(presented(engine, availability: ProductAvailability(["another": entry])) == ["pair"])
    }

    @Test("matchTrigger: the quantity needed follows the trigger lines; items of one variant add up")
    func availabilityMatchTrigger() throws {
        let upsell = #"{"offerId":"pro","kind":"upsell","status":"active","currency":"EUR","displayCriteria":{"cartContains":{"productIds":["phone-std"]}},"items":[{"productId":"phone-pro","variantId":"pro-128","quantity":"matchTrigger","unitPrice":"999.00"}]}"#
        let twice = offer("twice").replacingOccurrences(of: #"}]}"#, with: #"},{"productId":"p","variantId":"v-twice","quantity":2,"unitPrice":"1.00"}]}"#)
        let engine = try engine([upsell, twice])
        var two = phone
        two.quantity = 2
        let three = ProductAvailability(["pro-128": .init(available: true, quantity: 1), "v-twice": .init(available: true, quantity: 2)])
        var session: CartSession?
        #expect(presented(engine, lines: [phone], availability: three, session: &session) == ["pro"])
        session = nil
        #expect(presented(engine, lines: [two], availability: three, session: &session) == [])
        #expect(engine.explain(Build.cart([two]), availability: three).map(\.verdict) == [
            .unavailable(variantId: "v-twice", reason: "2 in stock, 3 needed"),
            .unavailable(variantId: "pro-128", reason: "1 in stock, 2 needed"),
        ])
    }

    @Test("a restock brings the offer back on the next cart event; availability alone changes nothing")
    func restock() throws {
        let engine = try engine([offer("first", priority: 9), offer("second", priority: 5)], maxOffers: 1)
        var session: CartSession?
        #expect(presented(engine, version: 1, availability: Self.out("v-first"), session: &session) == ["second"])
        var restocked = Self.out("v-first")
        restocked.set("v-first", nil)
        #expect(restocked.isEmpty)
        // A new event with other trigger lines: the restocked offer takes the slot back.
        var two = phone
        two.quantity = 2
        #expect(presented(engine, version: 2, minute: 1, lines: [two], availability: restocked, session: &session) == ["first"])
    }

    @Test("an acceptance whose items went out of stock is rejected outOfStock, nothing changes, and after a restock it is honoured")
    func outOfStockAcceptance() throws {
        let engine = try engine([offer("pair", quantity: "2")])
        var session: CartSession?
        let presentation = try #require(engine.cartUpdated(Build.cart([phone]), session: &session).first)
        let before = session
        let acceptance = Build.acceptance(presentation.presentationId, minute: 1)
        for stock in [Self.out("v-pair"), ProductAvailability(["v-pair": .init(available: true, quantity: 1)])] {
            guard case .rejected(let rejection) = engine.offerAccepted(acceptance, key: "cart-1", session: &session, availability: stock) else {
                Issue.record("expected a rejection")
                return
            }
            #expect(rejection.reason == .outOfStock && rejection.offerId == "pair")
            #expect(session == before)
        }
        guard case .mutation(let mutation) = engine.offerAccepted(acceptance, key: "cart-1", session: &session,
                                                                  availability: ProductAvailability(["v-pair": .init(available: true, quantity: 2)]))
        else {
            Issue.record("expected a mutation after the restock")
            return
        }
        #expect(mutation.offerId == "pair")
    }

    // MARK: definitions

    @Test("exclusivityGroup and stopAfter decode, encode and are validated with their paths")
    func definitions() throws {
        let decoded = try Build.offer(offer("x", fields: #""exclusivityGroup":"care","stopAfter":true,"#))
        #expect(decoded.exclusivityGroup == "care" && decoded.stopAfter)
        let again = try Build.codec.decode(Offer.self, from: Array(try JSONEncoder().encode(decoded)))
        #expect(again == decoded)
        #expect(try !Build.offer(offer("y")).stopAfter)
        func problems(_ fields: String) -> [String] {
            do {
                _ = try OfferCatalog.load(json: Data(#"{"offers":[\#(offer("x", fields: fields))]}"#.utf8))
                return []
            } catch {
                return error.problems
            }
        }
        #expect(problems(#""exclusivityGroup":"","#) == ["offers[0].exclusivityGroup: must not be empty"])
        #expect(problems(#""stopAfter":"yes","#) == ["offers[0].stopAfter: expected a boolean"])
        #expect(problems(#""exclusiveGroup":"care","#) == ["offers[0].exclusiveGroup: unknown field (did you mean 'exclusivityGroup'?)"])
    }

    @Test("availability records decode strictly and are validated; a file is an array of them")
    func availabilityRecords() throws {
        let record = try VariantAvailability.load(json: Data(#"{"variantId":"v","available":true,"quantity":3,"updatedAt":"2026-11-24T10:00:00Z"}"#.utf8))
        #expect(record.quantity == 3 && record.available)
        func problems(_ json: String) -> [String] {
            do {
                _ = try VariantAvailability.load(json: Data(json.utf8))
                return []
            } catch {
                return error.problems
            }
        }
        #expect(problems(#"{"variantId":"v","available":true,"quantity":-1,"updatedAt":"2026-11-24T10:00:00Z"}"#) == ["$.quantity: must not be negative (got -1)"])
        #expect(problems(#"{"variantId":"v","available":true,"qty":1,"updatedAt":"2026-11-24T10:00:00Z"}"#).first?.hasPrefix("$.qty: unknown field") == true)
        #expect(problems(#"{"variantId":"v","available":true}"#) == ["$.updatedAt: missing required field"])
        let file = try VariantAvailability.loadAll(json: Data(#"[{"variantId":"v","available":true,"updatedAt":"2026-11-24T10:00:00Z"},{"variantId":"v","available":false,"updatedAt":"2026-11-24T10:01:00Z"}]"#.utf8))
        #expect(file["v"] == ProductAvailability.Entry(available: false))
    }
}
