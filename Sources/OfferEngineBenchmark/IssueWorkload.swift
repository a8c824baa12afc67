import Foundation
import OfferEngine

/// `OfferEngineBenchmark workload <offers> [seconds] [dump-file]`: the engine alone on the
/// worker benchmark's workload (issue #9: carts of 4–8 lines drawn from 500 products, 4
/// versions per cart with sessions carried between them; offers each needing 3 of the
/// products and a subtotal below a bound). Prints the thread CPU µs per cart event; with a
/// dump file, writes every output of one pass so two builds can be compared byte for byte.
enum IssueWorkload {
    static let products = 500
    static let maxLines = 8
    static let start = EventTime(rfc3339: "2026-11-24T08:00:00Z")!

    static func catalog(offers count: Int, seed: UInt64 = 42) throws -> OfferCatalog {
        var rng = SplitMix64(state: seed ^ UInt64(count))
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

    static func cartEvents(carts: Int, versions: Int, spacingMilliseconds: Int = 240, versionGapSeconds: Int = 45, seed: UInt64 = 7) -> [CartUpdated] {
        var events: [(time: Int64, cart: Int, event: CartUpdated)] = []
        for cart in 0..<carts {
            var rng = SplitMix64(state: seed &+ UInt64(cart) &* 0x9E37_79B9)
            let cartId = "evt-cart-\(pad(cart, 6))"
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
            event.eventId = "evt-\(pad(index, 10))-4b1d-8000-\(pad(entry.cart, 12))"
            return event
        }
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static func run(_ arguments: [String]) throws {
        let offers = arguments.first.flatMap(Int.init) ?? 100
        let seconds = arguments.dropFirst().first.flatMap(Double.init) ?? 3
        let dump = arguments.dropFirst(2).first
        let engine = OfferEngine(catalog: try catalog(offers: offers))
        let events = cartEvents(carts: 8_000, versions: 4)
        if let dump {
            var text = ""
            var sessions: [String: CartSession] = [:]
            for event in events {
                var session = sessions[event.cartId]
                for output in engine.cartUpdated(event, session: &session) { text += "\(output)\n" }
                sessions[event.cartId] = session
                if let session {
                    for presentation in session.presentations.values.sorted(by: { $0.presentationId < $1.presentationId }) {
                        text += "  \(presentation)\n"
                    }
                    text += "  counts \(session.presentationCounts.sorted { $0.key < $1.key })\n"
                }
            }
            try text.write(toFile: dump, atomically: true, encoding: .utf8)
        }
        var evaluated = 0
        var outputs = 0
        var cpu = 0.0
        while cpu < seconds {
            var sessions: [String: CartSession] = [:]
            sessions.reserveCapacity(8_000)
            let before = threadCPUSeconds()
            for event in events {
                var session = sessions.removeValue(forKey: event.cartId)
                outputs += engine.cartUpdated(event, session: &session).count
                sessions[event.cartId] = session
            }
            cpu += threadCPUSeconds() - before
            evaluated += events.count
        }
        print(String(format: "workload, %d offers: %d cart events, %.2f outputs/event, %.2f µs CPU/event, %.0f events/s",
                     offers, evaluated, Double(outputs) / Double(evaluated), cpu * 1e6 / Double(evaluated), Double(evaluated) / cpu))
    }

    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
