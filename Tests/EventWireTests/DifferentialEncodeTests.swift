@testable import OfferEngine
import Testing
@testable import EventWire

/// WireCodec's output against the reference, `EventCodec.encode` (Foundation's JSONEncoder
/// with sorted keys, slashes not escaped): random events, byte for byte.
@Suite("WireCodec encodes exactly as EventCodec")
struct DifferentialEncodeTests {
    static let rounds = 20_000

    @Test("20,000 random events of each of the six types: the same bytes, appended after what the buffer held")
    func randomEvents() async {
        let reference = EventCodec()
        let wire = WireCodec()
        var random = OutputGenerator(seed: 0xE2C0_DE26)
        var buffer: [UInt8] = []
        var differences: [String] = []
        func check(_ expected: [UInt8], _ encode: (inout [UInt8]) -> Void) {
            // Appends after earlier output, into a buffer that is reused.
            let prefix = Array(buffer.suffix(3))
            buffer = prefix
            encode(&buffer)
            if Array(buffer.dropFirst(prefix.count)) != expected, differences.count < 5 {
                differences.append("EventCodec: \(String(decoding: expected, as: UTF8.self))\n  WireCodec:  \(String(decoding: buffer.dropFirst(prefix.count), as: UTF8.self))")
            }
        }
        for round in 0..<Self.rounds {
            if round % 256 == 0 { await Task.yield() }  // other suites share the cooperative threads
            let presented = random.offerPresented()
            check(reference.encode(presented)) { wire.encode(presented, into: &$0) }
            let mutation = random.cartMutation()
            check(reference.encode(mutation)) { wire.encode(mutation, into: &$0) }
            let rejected = random.offerRejected()
            check(reference.encode(rejected)) { wire.encode(rejected, into: &$0) }
            let cart = random.cartUpdated()
            check(reference.encode(cart)) { wire.encode(cart, into: &$0) }
            let accepted = random.offerAccepted()
            check(reference.encode(accepted)) { wire.encode(accepted, into: &$0) }
            let declined = random.offerDeclined()
            check(reference.encode(declined)) { wire.encode(declined, into: &$0) }
        }
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
    }

    @Test("record values and ce_time headers: encoded(_:) gives the same bytes as encode(_:into:), timeText(_:) is EventTime.description")
    func recordValues() {
        let reference = EventCodec()
        let wire = WireCodec()
        var random = OutputGenerator(seed: 0x7E57_0FF1)
        var differences: [String] = []
        func check(_ expected: [UInt8], _ actual: [UInt8]) {
            if actual != expected, differences.count < 5 {
                differences.append("expected: \(String(decoding: expected, as: UTF8.self))\n  encoded:  \(String(decoding: actual, as: UTF8.self))")
            }
        }
        for _ in 0..<2_000 {
            let presented = random.offerPresented()
            check(reference.encode(presented), wire.encoded(presented))
            check(Array(presented.occurredAt.description.utf8), WireCodec.timeText(presented.occurredAt))
            check(Array(presented.expiresAt.description.utf8), WireCodec.timeText(presented.expiresAt))
            let mutation = random.cartMutation()
            check(reference.encode(mutation), wire.encoded(mutation))
            let rejected = random.offerRejected()
            check(reference.encode(rejected), wire.encoded(rejected))
        }
        // Past the fixed-width years, both ways.
        for milliseconds: Int64 in [-62_167_219_200_001, -62_135_596_800_000, 253_402_300_799_999, 253_402_300_800_000, 0, -1] {
            let time = EventTime(millisecondsSinceEpoch: milliseconds)
            check(Array(time.description.utf8), WireCodec.timeText(time))
        }
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
    }

    @Test("escapes as JSONEncoder does: quotes, backslashes and control characters; not slashes, DEL or non-ASCII")
    func escaping() {
        let rejected = OfferRejected(
            eventId: "a/b\"c\\d", cartId: "\u{0}\u{8}\u{9}\u{A}\u{B}\u{C}\u{D}\u{1F}\u{7F}", presentationId: "é🛒\u{2028}",
            acceptanceEventId: "x", offerId: nil, reason: .expired, occurredAt: EventTime(millisecondsSinceEpoch: 1_795_514_400_250))
        var buffer: [UInt8] = []
        WireCodec().encode(rejected, into: &buffer)
        let expected = #"{"acceptanceEventId":"x","cartId":"\u0000\b\t\n\u000b\f\r\u001f"# + "\u{7F}"
            + #"","eventId":"a/b\"c\\d","occurredAt":"2026-11-24T10:00:00.250Z","presentationId":"é🛒"# + "\u{2028}"
            + #"","reason":"expired"}"#
        #expect(String(decoding: buffer, as: UTF8.self) == expected)
        #expect(buffer == EventCodec().encode(rejected))
    }

    @Test("an offered item keeps its custom encoding: prices instead of unitPrice, quantity \"matchTrigger\"")
    func offeredItems() {
        let item = OfferedItem(productId: "p", variantId: "v", matchesTriggerQuantity: true,
                               prices: ["USD": .fixed(DecimalAmount("9.00")!), "EUR": .percentOff(DecimalAmount("10")!, of: DecimalAmount("99.90")!)])
        var random = OutputGenerator(seed: 1)
        var presented = random.offerPresented()
        presented.items = [item, OfferedItem(productId: "q", variantId: "w", quantity: 2, unitPrice: DecimalAmount("0.05")!, compareAtPrice: DecimalAmount("-1")!)]
        var buffer: [UInt8] = []
        WireCodec().encode(presented, into: &buffer)
        let json = String(decoding: buffer, as: UTF8.self)
        #expect(json.contains(#""items":[{"prices":{"EUR":{"of":"99.90","percentOff":"10"},"USD":{"fixed":"9.00"}},"productId":"p","quantity":"matchTrigger","variantId":"v"},{"compareAtPrice":"-1","productId":"q","quantity":2,"unitPrice":"0.05","variantId":"w"}]"#))
        #expect(buffer == EventCodec().encode(presented))
    }
}

/// Random output (and input) events, with the strings, amounts and times that test an
/// encoder: control characters, quotes, non-ASCII, scales up to 12, negative and far times.
struct OutputGenerator {
    var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    static let pieces = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) } + [
        "\"", "\\", "/", "\u{7F}", "é", "e\u{301}", "🛒", "日本", "\u{2028}", "\u{FEFF}", "abc", "phone-pro-128", " ", "'",
    ]

    mutating func text() -> String {
        if random.oneIn(3) { return random.pick(["l1", "c1", "p", "0eeb5491-6ca8-86bb-8009-a466cbfe52f2", "", "EUR"]) }
        return (0..<random.next(6)).map { _ in random.pick(Self.pieces) }.joined()
    }

    mutating func texts() -> [String] { (0..<random.next(4)).map { _ in text() } }

    mutating func integer() -> Int {
        random.oneIn(8) ? random.pick([Int.min, Int.max, 0, -1]) : Int(truncatingIfNeeded: random.next()) >> random.next(64)
    }

    mutating func amount() -> DecimalAmount {
        let mantissa: Int128 = switch random.next(6) {
        case 0: random.pick([Int128.min, Int128.max, 0, -1])
        case 1: Int128(truncatingIfNeeded: random.next()) << 40 | Int128(random.next())
        default: Int128(Int64(truncatingIfNeeded: random.next()) >> random.next(64))
        }
        return DecimalAmount(mantissa: mantissa, scale: random.next(DecimalAmount.maximumScale + 1))
    }

    mutating func time() -> EventTime {
        let milliseconds: Int64 = switch random.next(5) {
        case 0: random.pick([Int64.min, Int64.max, 0, -1, 1_795_514_400_000, -62_167_219_200_001])
        case 1: 1_795_514_400_000 + Int64(random.next(1_000)) * 1000
        default: Int64(truncatingIfNeeded: random.next()) >> random.next(64)
        }
        return EventTime(millisecondsSinceEpoch: milliseconds)
    }

    mutating func optional<T>(_ make: (inout OutputGenerator) -> T) -> T? {
        random.oneIn(2) ? make(&self) : nil
    }

    mutating func priceRule() -> PriceRule {
        switch random.next(3) {
        case 0: .fixed(amount(), of: optional { $0.amount() })
        case 1: .percentOff(amount(), of: amount())
        default: .amountOff(amount(), of: amount())
        }
    }

    mutating func offeredItem() -> OfferedItem {
        let prices: [String: PriceRule]? = random.oneIn(4)
            ? Dictionary((0..<random.next(4)).map { _ in (random.pick(["EUR", "USD", "JPY", "", "é", "a\"b", "Z", "\u{1}"]), priceRule()) },
                         uniquingKeysWith: { first, _ in first })
            : nil
        return OfferedItem(productId: text(), variantId: text(), quantity: integer(), unitPrice: amount(),
                           compareAtPrice: optional { $0.amount() }, prices: prices, matchesTriggerQuantity: random.oneIn(4))
    }

    mutating func offerPresented() -> OfferPresented {
        OfferPresented(
            eventId: text(), presentationId: text(), cartId: text(), cartVersion: Int64(integer()), cartEventId: text(), offerId: text(),
            offerKind: random.oneIn(2) ? .upsell : .crossSell, triggerLineIds: texts(),
            items: (0..<random.next(4)).map { _ in offeredItem() }, occurredAt: time(), expiresAt: time(),
            offerVersion: optional { $0.integer() }, experimentArm: random.oneIn(2) ? .treatment : nil)
    }

    mutating func cartOperation() -> CartOperation {
        random.oneIn(2)
            ? .removeLine(lineId: text())
            : .addLine(productId: text(), variantId: text(), quantity: integer(), unitPrice: amount(), compareAtPrice: optional { $0.amount() })
    }

    mutating func cartMutation() -> CartMutation {
        CartMutation(
            eventId: text(), cartId: text(), presentationId: text(), acceptanceEventId: text(), offerId: text(),
            offerKind: random.oneIn(2) ? .upsell : .crossSell, basedOnCartVersion: Int64(integer()), occurredAt: time(),
            operations: (0..<random.next(4)).map { _ in cartOperation() })
    }

    mutating func offerRejected() -> OfferRejected {
        OfferRejected(
            eventId: text(), cartId: text(), presentationId: text(), acceptanceEventId: text(), offerId: optional { $0.text() },
            reason: random.pick(RejectionReason.allCases), occurredAt: time())
    }

    mutating func cartUpdated() -> CartUpdated {
        let customer: Customer? = optional {
            Customer(id: $0.optional { $0.text() }, tags: $0.optional { $0.texts() }, country: $0.optional { $0.text() },
                     ordersCount: $0.optional { $0.integer() })
        }
        let lines = (0..<random.next(4)).map { _ in
            CartLine(lineId: text(), productId: text(), variantId: text(), quantity: integer(), unitPrice: amount(),
                     collectionIds: optional { $0.texts() }, tags: optional { $0.texts() }, productType: optional { $0.text() },
                     vendor: optional { $0.text() })
        }
        let attributes: [String: String]? = optional { generator in
            Dictionary((0..<generator.random.next(4)).map { _ in (generator.text(), generator.text()) }, uniquingKeysWith: { first, _ in first })
        }
        return CartUpdated(
            eventId: text(), cartId: text(), version: Int64(integer()), occurredAt: time(), currency: text(), customer: customer,
            lines: lines, subtotal: optional { $0.amount() }, attributes: attributes, schemaVersion: optional { $0.integer() })
    }

    mutating func offerAccepted() -> OfferAccepted {
        OfferAccepted(eventId: text(), cartId: text(), presentationId: text(), occurredAt: time(), schemaVersion: optional { $0.integer() })
    }

    mutating func offerDeclined() -> OfferDeclined {
        OfferDeclined(eventId: text(), cartId: text(), presentationId: text(), occurredAt: time(), schemaVersion: optional { $0.integer() })
    }
}
