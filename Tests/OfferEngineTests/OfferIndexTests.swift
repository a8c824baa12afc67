import Foundation
import Testing
@testable import OfferEngine

@Suite("OfferIndex: candidate offers by what cartContains looks for")
struct OfferIndexTests {
    func keys(_ json: String) throws -> [String]? {
        try Build.criteria(json).requiredIndexKeys.map { $0.map { "\($0.field):\($0.value)" }.sorted() }
    }

    @Test("which criteria require a cartContains match, and under which keys")
    func requiredKeys() throws {
        #expect(try keys(#"{"cartContains":{"productIds":["a","b"],"tags":["t"]}}"#) == ["product:a", "product:b"])
        #expect(try keys(#"{"cartContains":{"variantIds":["v"],"productIds":["a"]}}"#) == ["variant:v"])
        #expect(try keys(#"{"cartContains":{"tags":["t"],"vendors":["acme"]}}"#) == ["vendor:acme"])
        #expect(try keys(#"{"all":[{"subtotal":{"gte":"1"}},{"cartContains":{"collectionIds":["c"]}}]}"#) == ["collection:c"])
        #expect(try keys(#"{"all":[{"cartContains":{"tags":["x","y"]}},{"cartContains":{"productTypes":["z"]}}]}"#) == ["productType:z"])
        #expect(try keys(#"{"any":[{"cartContains":{"tags":["x"]}},{"all":[{"cartContains":{"productIds":["p"]}},{"itemCount":{"gte":2}}]}]}"#) == ["product:p", "tag:x"])
        // Satisfiable without a matching line: always visited.
        #expect(try keys(#"{"any":[{"cartContains":{"tags":["x"]}},{"subtotal":{"gte":"100"}}]}"#) == nil)
        #expect(try keys(#"{"not":{"cartContains":{"tags":["x"]}}}"#) == nil)
        #expect(try keys(#"{"excludes":{"tags":["x"]}}"#) == nil)
        #expect(try keys(#"{"subtotal":{"gte":"100"}}"#) == nil)
        #expect(try keys(#"{"all":[{"subtotal":{"gte":"1"}},{"not":{"cartContains":{"tags":["x"]}}}]}"#) == nil)
    }

    @Test("candidates come in rank order, once each, unindexed ones always, and stop when asked")
    func candidates() throws {
        func offer(_ id: String, _ priority: Int, _ criteria: String) throws -> Offer {
            try Build.offer(#"{"offerId":"\#(id)","kind":"crossSell","status":"active","priority":\#(priority),"currency":"EUR","displayCriteria":\#(criteria),"items":[{"productId":"x","variantId":"x-\#(id)","quantity":1,"unitPrice":"1.00"}]}"#)
        }
        let catalog = try OfferCatalog(offers: [
            offer("a", 9, #"{"cartContains":{"productIds":["p1"]}}"#),
            offer("b", 8, #"{"subtotal":{"gte":"1000"}}"#),
            offer("c", 7, #"{"any":[{"cartContains":{"tags":["t1"]}},{"cartContains":{"collectionIds":["c1"]}}]}"#),
            offer("d", 6, #"{"cartContains":{"productIds":["p2"]}}"#),
            offer("e", 5, #"{"not":{"cartContains":{"productIds":["p1"]}}}"#),
        ])
        func ids(_ lines: [CartLine], limit: Int = 99) -> [String] {
            var seen: [String] = []
            catalog.forEachCandidate(for: Build.cart(lines)) { seen.append($0.offerId); return seen.count < limit }
            return seen
        }
        let p1 = Build.line("l1", product: "p1", collections: ["c1"], tags: ["t1"])
        #expect(ids([p1]) == ["a", "b", "c", "e"])
        #expect(ids([p1, Build.line("l2", product: "p1", tags: ["t1"])]) == ["a", "b", "c", "e"])
        #expect(ids([Build.line("l1", product: "p2")]) == ["b", "d", "e"])
        #expect(ids([Build.line("l1", product: "zz")]) == ["b", "e"])
        #expect(ids([]) == ["b", "e"])
        #expect(ids([p1], limit: 2) == ["a", "b"])
    }

    @Test("a catalog of more than 64 offers gives its candidates across every word of the bit set, in rank order")
    func candidatesBeyondOneWord() throws {
        // Offer i has rank i; every tenth is unindexed (always a candidate), the others
        // match product p0, p1 or p2 by i % 3.
        let offers = try (0..<150).map { index -> Offer in
            let criteria = index % 10 == 0 ? #"{"subtotal":{"gte":"1000"}}"# : #"{"cartContains":{"productIds":["p\#(index % 3)"]}}"#
            return try Build.offer(#"{"offerId":"o\#(index)","kind":"crossSell","status":"active","priority":\#(1000 - index),"currency":"EUR","displayCriteria":\#(criteria),"items":[{"productId":"x","variantId":"x-\#(index)","quantity":1,"unitPrice":"1.00"}]}"#)
        }
        let catalog = try OfferCatalog(offers: offers)
        var seen: [String] = []
        catalog.forEachCandidate(for: Build.cart([Build.line("l1", product: "p1")])) { seen.append($0.offerId); return true }
        #expect(seen == (0..<150).filter { $0 % 10 == 0 || $0 % 3 == 1 }.map { "o\($0)" })
    }

    @Test("the indexed evaluator presents exactly what the linear one does (600 random catalogs × random carts, with groups and stopAfter)")
    func indexedMatchesLinear() async throws {
        var rng = SplitMix64(seed: 0x0FFE_12)
        var presentations = 0
        for catalogNumber in 0..<600 {
            await Task.yield()  // other suites share the cooperative threads
            let offers = (0..<Int.random(in: 1...25, using: &rng)).map { randomOffer(index: $0, using: &rng) }
            let catalog: OfferCatalog
            do {
                catalog = try OfferCatalog(offers: offers)
            } catch {
                Issue.record("catalog \(catalogNumber) is invalid: \(error)")
                continue
            }
            let engine = OfferEngine(catalog: catalog, settings: OfferEngineSettings(maxOffersPerCart: Int.random(in: 0...4, using: &rng)))
            for cartNumber in 0..<6 {
                var indexedSession: CartSession?
                var linearSession: CartSession?
                for version in 1...Int64.random(in: 1...4, using: &rng) {
                    let cart = randomCart(id: "cart-\(catalogNumber)-\(cartNumber)", version: version, using: &rng)
                    let indexed = engine.cartUpdated(cart, session: &indexedSession, indexed: true)
                    let linear = engine.cartUpdated(cart, session: &linearSession, indexed: false)
                    #expect(indexed == linear, "catalog \(catalogNumber), cart \(cartNumber) v\(version)")
                    #expect(indexedSession == linearSession)
                    presentations += indexed.count
                    // Now and then the shopper declines what was shown.
                    if let shown = indexed.first, Bool.random(using: &rng) {
                        let decline = OfferDeclined(eventId: "d", cartId: cart.cartId, presentationId: shown.presentationId, occurredAt: cart.occurredAt)
                        _ = engine.offerDeclined(decline, key: nil, session: &indexedSession)
                        _ = engine.offerDeclined(decline, key: nil, session: &linearSession)
                    }
                }
            }
        }
        // The generator is tuned so that plenty of offers match.
        #expect(presentations > 3000, "only \(presentations) presentations")
    }

    // MARK: random catalogs and carts over a small vocabulary, so that offers often match

    static let products = ["p0", "p1", "p2", "p3", "p4", "p5"]
    static let collections = ["c0", "c1", "c2", "c3"]
    static let tags = ["t0", "t1", "t2", "t3"]
    static let types = ["shoes", "phones"]
    static let vendors = ["acme", "globex"]

    func pick<T>(_ values: [T], using rng: inout SplitMix64) -> T { values.randomElement(using: &rng)! }

    func some(_ values: [String], using rng: inout SplitMix64) -> [String] {
        let chosen = values.filter { _ in Int.random(in: 0..<3, using: &rng) == 0 }
        return chosen.isEmpty ? [pick(values, using: &rng)] : chosen
    }

    func randomContains(using rng: inout SplitMix64) -> CartContains {
        var contains = CartContains()
        repeat {
            switch Int.random(in: 0..<7, using: &rng) {
            case 0: contains.productIds = some(Self.products, using: &rng)
            case 1: contains.variantIds = some(Self.products.map { "\($0)-v\(Int.random(in: 0...1, using: &rng))" }, using: &rng)
            case 2: contains.collectionIds = some(Self.collections, using: &rng)
            case 3: contains.tags = some(Self.tags, using: &rng)
            case 4: contains.productTypes = [pick(Self.types, using: &rng)]
            case 5: contains.vendors = [pick(Self.vendors, using: &rng)]
            default: contains.productIds = [pick(Self.products, using: &rng)]
            }
        } while Int.random(in: 0..<4, using: &rng) == 0
        if Int.random(in: 0..<4, using: &rng) == 0 { contains.minQuantity = Int.random(in: 1...3, using: &rng) }
        if Int.random(in: 0..<6, using: &rng) == 0 { contains.maxQuantity = Int.random(in: 3...5, using: &rng) }
        if Int.random(in: 0..<6, using: &rng) == 0, contains.productIds != nil { contains.match = .all }
        return contains
    }

    func randomCriteria(depth: Int, using rng: inout SplitMix64) -> DisplayCriteria {
        let leafOnly = depth >= 3
        switch Int.random(in: 0..<(leafOnly ? 6 : 10), using: &rng) {
        case 0, 1, 2: return .cartContains(randomContains(using: &rng))
        case 3: return .subtotal(AmountRange(gte: DecimalAmount("\(Int.random(in: 0...60, using: &rng))")!))
        case 4: return .itemCount(CountRange(gte: Int.random(in: 0...4, using: &rng)))
        case 5: return .excludes(ExcludesCondition(tags: [pick(Self.tags, using: &rng)]))
        case 6: return .not(randomCriteria(depth: depth + 1, using: &rng))
        case 7: return .any((0..<Int.random(in: 1...3, using: &rng)).map { _ in randomCriteria(depth: depth + 1, using: &rng) })
        default: return .all((0..<Int.random(in: 1...3, using: &rng)).map { _ in randomCriteria(depth: depth + 1, using: &rng) })
        }
    }

    func randomOffer(index: Int, using rng: inout SplitMix64) -> Offer {
        let criteria = randomCriteria(depth: 0, using: &rng)
        let kind: OfferKind = criteria.canTrigger && Bool.random(using: &rng) ? .upsell : .crossSell
        let items = (0..<Int.random(in: 1...2, using: &rng)).map { _ -> OfferedItem in
            let product = pick(Self.products, using: &rng)
            let variant = "\(product)-v\(Int.random(in: 0...2, using: &rng))"
            let matches = kind == .upsell && Bool.random(using: &rng)
            if Bool.random(using: &rng) {
                return OfferedItem(productId: product, variantId: variant, quantity: 1, matchesTriggerQuantity: matches, prices: [
                    "EUR": .percentOff(DecimalAmount("\(Int.random(in: 0...100, using: &rng))")!, of: DecimalAmount("19.99")!),
                    "JPY": .amountOff(DecimalAmount("500")!, of: DecimalAmount("2000")!),
                ])
            }
            return OfferedItem(productId: product, variantId: variant, quantity: Int.random(in: 1...2, using: &rng),
                               unitPrice: DecimalAmount("5.00")!, matchesTriggerQuantity: matches)
        }
        return Offer(
            offerId: "offer-\(index)", kind: kind, status: Int.random(in: 0..<8, using: &rng) == 0 ? .paused : .active,
            priority: Int.random(in: 0...3, using: &rng), ttlSeconds: pick([60, 600, 1800], using: &rng),
            // A bare unitPrice is in the offer's currency, so such an offer has one.
            currency: Int.random(in: 0..<8, using: &rng) == 0 || items.contains { $0.prices == nil } ? "EUR" : nil,
            displayCriteria: criteria, items: items,
            showWhenItemsInCart: Int.random(in: 0..<4, using: &rng) == 0, version: Int.random(in: 1...3, using: &rng),
            maxPresentationsPerCart: Int.random(in: 0..<4, using: &rng) == 0 ? Int.random(in: 1...2, using: &rng) : nil,
            holdoutPercent: Int.random(in: 0..<5, using: &rng) == 0 ? DecimalAmount("\(Int.random(in: 0...100, using: &rng))")! : nil,
            exclusivityGroup: Int.random(in: 0..<4, using: &rng) == 0 ? pick(["g0", "g1"], using: &rng) : nil,
            stopAfter: Int.random(in: 0..<10, using: &rng) == 0)
    }

    func randomCart(id: String, version: Int64, using rng: inout SplitMix64) -> CartUpdated {
        let lines = (0..<Int.random(in: 0...5, using: &rng)).map { index -> CartLine in
            let product = pick(Self.products, using: &rng)
            return CartLine(
                lineId: "l\(index)", productId: product, variantId: "\(product)-v\(Int.random(in: 0...1, using: &rng))",
                quantity: Int.random(in: 1...3, using: &rng), unitPrice: DecimalAmount("\(Int.random(in: 1...20, using: &rng)).50")!,
                collectionIds: Bool.random(using: &rng) ? some(Self.collections, using: &rng) : nil,
                tags: Bool.random(using: &rng) ? some(Self.tags, using: &rng) : nil,
                productType: Bool.random(using: &rng) ? pick(Self.types, using: &rng) : nil,
                vendor: Bool.random(using: &rng) ? pick(Self.vendors, using: &rng) : nil)
        }
        return Build.cart(id: id, version: version, minute: Int(version) * Int.random(in: 1...12, using: &rng),
                          currency: pick(["EUR", "EUR", "JPY", "USD"], using: &rng), lines)
    }
}
