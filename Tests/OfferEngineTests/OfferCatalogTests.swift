import Foundation
import Testing
@testable import OfferEngine

@Suite("OfferCatalog: loading and validation")
struct OfferCatalogTests {
    func load(_ offers: String) -> [String] {
        do {
            _ = try OfferCatalog.load(json: Data(#"{"offers":[\#(offers)]}"#.utf8))
            return []
        } catch {
            return error.problems
        }
    }

    @Test("ranks by priority, then offerId")
    func ranking() throws {
        func offer(_ id: String, _ priority: Int) -> Offer {
            Offer(offerId: id, kind: .crossSell, priority: priority, currency: "EUR", displayCriteria: .subtotal(AmountRange(gte: .zero)),
                  items: [OfferedItem(productId: "p", variantId: "v-\(id)", quantity: 1, unitPrice: .zero)])
        }
        let catalog = try OfferCatalog(offers: [offer("b", 1), offer("c", 5), offer("a", 1), offer("d", -2)])
        #expect(catalog.offers.map(\.offerId) == ["c", "a", "b", "d"])
        #expect(catalog["a"]?.priority == 1)
    }

    @Test("applies defaults: priority 0, ttl 1800 s")
    func defaults() throws {
        let offer = try Build.offer(#"{"offerId":"o","kind":"crossSell","status":"active","displayCriteria":{"subtotal":{"gte":"1"}},"items":[{"productId":"p","variantId":"v","quantity":1,"unitPrice":"1.00"}]}"#)
        #expect(offer.priority == 0)
        #expect(offer.ttlSeconds == 1800)
    }

    @Test("reports every problem with its path, across offers")
    func problems() {
        let good = Build.proUpgrade
        let badPrice = #"{"offerId":"x","kind":"crossSell","status":"active","currency":"EUR","displayCriteria":{"all":[{"cartContains":{"tags":["a"]}},{"subtotal":{"gte":"ten"}}]},"items":[{"productId":"p","variantId":"v","quantity":1,"unitPrice":"1.00"}]}"#
        let upsellWithoutTrigger = #"{"offerId":"y","kind":"upsell","status":"active","currency":"EUR","displayCriteria":{"not":{"cartContains":{"tags":["a"]}}},"items":[{"productId":"p","variantId":"v","quantity":0,"unitPrice":"1.00"}]}"#
        let missingKind = #"{"offerId":"z","status":"active","displayCriteria":{"subtotal":{}},"items":[]}"#
        // Decoding problems do not hide the other offers' problems, nor the rest of their own.
        #expect(load([good, badPrice, upsellWithoutTrigger, missingKind].joined(separator: ",")) == [
            "offers[1].displayCriteria.all[1].subtotal.gte: not a decimal string: 'ten'",
            "offers[2].displayCriteria: an upsell needs a cartContains condition (outside any not) to choose the lines it replaces",
            "offers[2].items[0].quantity: must be at least 1 (got 0)",
            "offers[3].kind: missing required field",
            "offers[3].displayCriteria.subtotal: give gte, lt or both",
            "offers[3].items: must list at least one item",
        ])
        #expect(load([good, upsellWithoutTrigger].joined(separator: ",")) == [
            "offers[1].displayCriteria: an upsell needs a cartContains condition (outside any not) to choose the lines it replaces",
            "offers[1].items[0].quantity: must be at least 1 (got 0)",
        ])
    }

    @Test("reports every decoding problem within one offer, not only the first")
    func everyDecodingProblem() {
        let offer = #"""
        {"offerId":"many","kind":"downsell","status":"active","priority":"high","startsAt":"soon","currency":"EUR",
         "displayCriteria":{"all":[{"subtotal":{"gte":"ten"}},{"cartHas":{}},{"not":{"cartContains":{"productIds":"p"}}}]},
         "items":[{"productId":"p","variantId":"v","quantity":1,"unitPrice":9.5},{"productId":"q","quantity":1,"unitPrice":"1.00"}]}
        """#
        #expect(load(offer) == [
            "offers[0].kind: unknown value 'downsell' (expected upsell, crossSell)",
            "offers[0].priority: expected an integer",
            "offers[0].startsAt: not an RFC 3339 date-time (such as \"2026-11-24T10:00:00Z\")",
            "offers[0].displayCriteria.all[0].subtotal.gte: not a decimal string: 'ten'",
            "offers[0].displayCriteria.all[1]: a condition has exactly one of all, any, not, cartContains, subtotal, itemCount, lineCount, currency, customer, attribute, schedule, excludes; found cartHas",
            "offers[0].displayCriteria.all[2].not.cartContains.productIds: expected an array",
            "offers[0].items[0].unitPrice: not a decimal string (amounts are strings such as \"19.99\")",
            "offers[0].items[1].variantId: missing required field",
        ])
    }

    @Test("refuses semantic mistakes decoding cannot see", arguments: [
        (#"{"subtotal":{}}"#, "offers[0].displayCriteria.subtotal: give gte, lt or both"),
        (#"{"subtotal":{"gte":"5","lt":"5"}}"#, "offers[0].displayCriteria.subtotal: gte (5) must be below lt (5)"),
        (#"{"all":[]}"#, "offers[0].displayCriteria.all: must list at least one condition"),
        (#"{"cartContains":{"minQuantity":1}}"#, "offers[0].displayCriteria.cartContains: give at least one of productIds, variantIds, collectionIds, tags, productTypes, vendors"),
        (#"{"cartContains":{"tags":["a"],"minQuantity":0}}"#, "offers[0].displayCriteria.cartContains.minQuantity: must be at least 1 (got 0)"),
    ])
    func semanticProblems(criteria: String, problem: String) {
        let offer = #"{"offerId":"o","kind":"crossSell","status":"active","currency":"EUR","displayCriteria":\#(criteria),"items":[{"productId":"p","variantId":"v","quantity":1,"unitPrice":"1.00"}]}"#
        #expect(load(offer) == [problem])
    }

    @Test("refuses duplicate offer ids and a schedule that ends before it starts")
    func duplicatesAndSchedule() {
        let scheduled = Build.caseBundle.replacingOccurrences(of: #""ttlSeconds":600"#, with: #""ttlSeconds":600,"startsAt":"2026-12-01T00:00:00Z","endsAt":"2026-11-01T00:00:00Z""#)
        #expect(load([Build.caseBundle, scheduled].joined(separator: ",")) == [
            "offers[1].endsAt: must be after startsAt (2026-12-01T00:00:00Z)",
            "offers[1].offerId: 'case-bundle' is used by an earlier offer",
        ])
    }

    @Test("refuses a document that is not a catalog")
    func notACatalog() {
        #expect(throws: CatalogError(problems: [#"$: expected an object with an "offers" array"#])) {
            try OfferCatalog.load(json: Data(#"[1,2]"#.utf8))
        }
        #expect(throws: CatalogError.self) { try OfferCatalog.load(json: Data("{".utf8)) }
    }
}
