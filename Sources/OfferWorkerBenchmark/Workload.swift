import OfferEngine

/// The workload, generated deterministically: carts of 4–8 lines drawn from 500
/// products (about 1,050 bytes of JSON per event), several versions per cart with the carts
/// interleaved in event time, and catalogs whose offers each need 3 of the 500 products and
/// a subtotal below a bound (`all: [cartContains, not: subtotal]`).
enum Workload {
    static let products = 500
    static let maxLines = 8
    static let start = EventTime(rfc3339: "2026-11-24T08:00:00Z")!

    /// `count` cross-sell offers: each shown when the cart holds one of 3 products and its
    /// subtotal is under a bound between 400 and 3,000.
    static func catalog(offers count: Int, seed: UInt64 = 42) throws -> OfferCatalog {
        var rng = SplitMix64(seed: seed ^ UInt64(count))
        var offers: [Offer] = []
        offers.reserveCapacity(count)
        for index in 0..<count {
            var products = Set<Int>()
            while products.count < 3 { products.insert(Int.random(in: 0..<Self.products, using: &rng)) }
            let bound = DecimalAmount("\(Int.random(in: 400...3000, using: &rng)).00")!
            let criteria = DisplayCriteria.all([
                .cartContains(CartContains(productIds: products.sorted().map { "p\($0)" })),
                .not(.subtotal(AmountRange(gte: bound))),
            ])
            let item = OfferedItem(
                productId: "x\(index)", variantId: "x\(index)-std", quantity: 1,
                unitPrice: DecimalAmount("\(Int.random(in: 5...60, using: &rng)).99")!)
            offers.append(Offer(
                offerId: "offer-\(index)", kind: .crossSell, priority: Int.random(in: 0...100, using: &rng), currency: "EUR",
                displayCriteria: criteria, items: [item]))
        }
        return try OfferCatalog(offers: offers)
    }

    /// Cart events of `carts` carts with `versions` versions each, in event-time order.
    /// Cart `c` first changes at `spacingMilliseconds × c` after ``start``, then every
    /// `versionGapSeconds`; each version adds a line (up to 8) or changes a quantity. Event
    /// ids are `<prefix>-<10-digit position in the stream>-…`, so an output's `cartEventId`
    /// leads back to its input.
    static func cartEvents(
        carts: Int, versions: Int, prefix: String, spacingMilliseconds: Int, versionGapSeconds: Int = 45, seed: UInt64 = 7
    ) -> [CartUpdated] {
        var events: [(time: Int64, cart: Int, event: CartUpdated)] = []
        events.reserveCapacity(carts * versions)
        for cart in 0..<carts {
            var rng = SplitMix64(seed: seed &+ UInt64(cart) &* 0x9E37_79B9)
            let cartId = "\(prefix)-cart-\(pad(cart, 6))"
            let customer = Customer(
                id: "customer-\(pad(cart, 7))", tags: Bool.random(using: &rng) ? ["returning"] : ["new", "newsletter"],
                country: ["DE", "FR", "NL", "AT"].randomElement(using: &rng)!, ordersCount: Int.random(in: 0...40, using: &rng))
            let attributes = ["channel": "web", "device": Bool.random(using: &rng) ? "mobile" : "desktop", "market": "eu-central"]
            var lines: [CartLine] = []
            var used = Set<Int>()
            var nextLine = 0
            func addLine() {
                var product = Int.random(in: 0..<products, using: &rng)
                while used.contains(product) { product = Int.random(in: 0..<products, using: &rng) }
                used.insert(product)
                nextLine += 1
                lines.append(CartLine(
                    lineId: "line-\(nextLine)", productId: "p\(product)", variantId: "p\(product)-v\(Int.random(in: 1...4, using: &rng))",
                    quantity: Int.random(in: 1...3, using: &rng),
                    unitPrice: DecimalAmount("\(Int.random(in: 5...300, using: &rng)).\(pad(Int.random(in: 0...99, using: &rng), 2))")!,
                    collectionIds: ["collection-\(product % 40)"], tags: ["tag-\(product % 25)"]))
            }
            let initial = versions == 1 ? Int.random(in: 4...maxLines, using: &rng) : Int.random(in: 4...5, using: &rng)
            for _ in 0..<initial { addLine() }
            for version in 1...versions {
                if version > 1 {
                    if lines.count < maxLines, Int.random(in: 0..<10, using: &rng) < 7 {
                        addLine()
                    } else {
                        let index = Int.random(in: 0..<lines.count, using: &rng)
                        lines[index].quantity = lines[index].quantity % 3 + 1
                    }
                }
                let time = Int64(cart * spacingMilliseconds) + Int64((version - 1) * versionGapSeconds * 1000)
                var event = CartUpdated(
                    eventId: "", cartId: cartId, version: Int64(version),
                    occurredAt: EventTime(millisecondsSinceEpoch: start.millisecondsSinceEpoch + time), currency: "EUR",
                    customer: customer, lines: lines, attributes: attributes)
                event.subtotal = event.linesTotal
                events.append((time, cart, event))
            }
        }
        events.sort { ($0.time, $0.cart) < ($1.time, $1.cart) }
        return events.enumerated().map { index, entry in
            var event = entry.event
            event.eventId = "\(prefix)-\(pad(index, 10))-4b1d-8000-\(pad(entry.cart, 12))"
            return event
        }
    }

    /// The stream position encoded in an event id made by ``cartEvents(carts:versions:prefix:spacingMilliseconds:versionGapSeconds:seed:)``.
    static func position(ofEventId id: some Collection<UInt8>, prefix: String) -> Int? {
        let head = Array(prefix.utf8) + [UInt8(ascii: "-")]
        guard id.count >= head.count + 10, id.starts(with: head) else { return nil }
        var value = 0
        for byte in id.dropFirst(head.count).prefix(10) {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
