// Carts evaluated per second against catalogs of 10, 1,000 and 10,000 offers.
//
//   swift run -c release OfferEngineBenchmark
//
// Catalogs and carts are generated deterministically (a seeded SplitMix64). Offers are
// mostly cartContains on products, collections or tags (some combined with a subtotal
// bound), and 1 % are subtotal-only (unindexed: visited for every cart). The vocabulary
// grows with the catalog (a merchant with 10,000 offers has more products than one with
// 10), so carts hit a comparable number of offers at every size; what changes is how many
// offers the engine could visit. Each size runs for about two seconds; the run fails (exit
// 1) when the 10,000-offer rate is below half the 10-offer rate.
import Foundation
import OfferEngine

struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct Vocabulary {
    let products: Int, collections: Int, tags: Int

    init(offers: Int) {
        products = max(50, offers * 2)
        collections = max(10, offers / 5)
        tags = max(10, offers / 10)
    }

    func product(_ rng: inout SplitMix64) -> String { "p\(Int.random(in: 0..<products, using: &rng))" }
    func collection(_ rng: inout SplitMix64) -> String { "c\(Int.random(in: 0..<collections, using: &rng))" }
    func tag(_ rng: inout SplitMix64) -> String { "t\(Int.random(in: 0..<tags, using: &rng))" }
}

func makeCatalog(offers count: Int, seed: UInt64) throws -> OfferCatalog {
    var rng = SplitMix64(state: seed)
    let words = Vocabulary(offers: count)
    let subtotalOnly = max(1, count / 100)
    var offers: [Offer] = []
    offers.reserveCapacity(count)
    for index in 0..<count {
        let criteria: DisplayCriteria
        if index < subtotalOnly {
            criteria = .subtotal(AmountRange(gte: DecimalAmount("\(Int.random(in: 50...800, using: &rng)).00")))
        } else {
            var contains = CartContains()
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<4: contains.productIds = (0..<Int.random(in: 1...3, using: &rng)).map { _ in words.product(&rng) }
            case 4..<7: contains.collectionIds = [words.collection(&rng)]
            default: contains.tags = [words.tag(&rng)]
            }
            if Int.random(in: 0..<4, using: &rng) == 0 {
                criteria = .all([.cartContains(contains), .not(.subtotal(AmountRange(gte: DecimalAmount("2000.00"))))])
            } else {
                criteria = .cartContains(contains)
            }
        }
        let item = Bool.random(using: &rng)
            ? OfferedItem(productId: "x\(index)", variantId: "x\(index)-v", quantity: 1, unitPrice: DecimalAmount("19.99")!)
            : OfferedItem(productId: "x\(index)", variantId: "x\(index)-v", prices: [
                "EUR": .percentOff(DecimalAmount("15")!, of: DecimalAmount("49.99")!), "USD": .fixed(DecimalAmount("44.00")!),
            ])
        // A bare unitPrice is in the offer's currency.
        offers.append(Offer(offerId: "offer-\(index)", kind: .crossSell, priority: Int.random(in: 0...100, using: &rng),
                            currency: item.prices == nil ? "EUR" : nil, displayCriteria: criteria, items: [item]))
    }
    return try OfferCatalog(offers: offers)
}

func makeCarts(count: Int, vocabularyOf offers: Int, seed: UInt64) -> [CartUpdated] {
    var rng = SplitMix64(state: seed)
    let words = Vocabulary(offers: offers)
    let time = EventTime(rfc3339: "2026-11-24T10:00:00Z")!
    return (0..<count).map { number in
        let lines = (0..<5).map { index in
            let product = words.product(&rng)
            return CartLine(lineId: "l\(index)", productId: product, variantId: "\(product)-v", quantity: Int.random(in: 1...2, using: &rng),
                            unitPrice: DecimalAmount("\(Int.random(in: 5...300, using: &rng)).00")!,
                            collectionIds: [words.collection(&rng), words.collection(&rng)], tags: [words.tag(&rng), words.tag(&rng)])
        }
        let cart = CartUpdated(eventId: "evt-\(number)", cartId: "cart-\(number)", version: 1, occurredAt: time, currency: "EUR", lines: lines)
        var withSubtotal = cart
        withSubtotal.subtotal = cart.linesTotal
        return withSubtotal
    }
}

struct Result { let offers: Int, rate: Double, presentationsPerCart: Double }

func measure(offers: Int, seconds: Double) throws -> Result {
    let engine = OfferEngine(catalog: try makeCatalog(offers: offers, seed: 42))
    let carts = makeCarts(count: 4096, vocabularyOf: offers, seed: 7)
    let clock = ContinuousClock()
    // Warm up.
    for cart in carts.prefix(512) {
        var session: CartSession?
        _ = engine.cartUpdated(cart, session: &session)
    }
    var evaluated = 0
    var presented = 0
    let start = clock.now
    var elapsed = Duration.zero
    while elapsed < .seconds(seconds) {
        for cart in carts[(evaluated % carts.count)..<(evaluated % carts.count + 256)] {
            var session: CartSession?
            presented += engine.cartUpdated(cart, session: &session).count
        }
        evaluated += 256
        elapsed = clock.now - start
    }
    let secondsElapsed = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Result(offers: offers, rate: Double(evaluated) / secondsElapsed, presentationsPerCart: Double(presented) / Double(evaluated))
}

func formatted(_ value: Double) -> String {
    let whole = Int(value.rounded())
    var digits = String(whole)
    var groups: [String] = []
    while digits.count > 3 {
        groups.insert(String(digits.suffix(3)), at: 0)
        digits.removeLast(3)
    }
    groups.insert(digits, at: 0)
    return groups.joined(separator: ",")
}

do {
    #if DEBUG
    print("note: a debug build; run `swift run -c release OfferEngineBenchmark` for meaningful figures")
    #endif
    var results: [Result] = []
    for offers in [10, 1_000, 10_000] {
        let result = try measure(offers: offers, seconds: 2)
        results.append(result)
        let label = formatted(Double(offers)).padding(toLength: 6, withPad: " ", startingAt: 0)
        print("catalog of \(label) offers: \(formatted(result.rate)) carts/s (5-line carts, \(String(format: "%.2f", result.presentationsPerCart)) presentations per cart)")
    }
    let ratio = results[2].rate / results[0].rate
    print("ratio 10,000-offer rate / 10-offer rate: \(String(format: "%.2f", ratio)) (required >= 0.50)")
    if ratio < 0.5 {
        print("FAIL: evaluation cost grows with the catalog")
        exit(1)
    }
} catch {
    print("benchmark setup failed: \(error)")
    exit(2)
}
