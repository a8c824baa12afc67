import OfferEngine
import Testing
@testable import EventWire

/// A cart line written as sorted-key encoders write it is read by a fast path
/// (`readCompactCartLine`); anything else by the full rules. Both must give the same line,
/// and the same reason for a bad one. Expected values are written out by hand.
@Suite("Lines in sorted compact form take the fast path, with the same results")
struct CompactLineTests {
    static let sorted = #"{"collectionIds":["c1"],"lineId":"l1","productId":"p1","productType":"shoe","quantity":2,"tags":["sale"],"unitPrice":"9.50","variantId":"v1","vendor":"acme"}"#
    static let expected = CartLine(
        lineId: "l1", productId: "p1", variantId: "v1", quantity: 2, unitPrice: DecimalAmount("9.50")!,
        collectionIds: ["c1"], tags: ["sale"], productType: "shoe", vendor: "acme")

    /// What the fast path alone makes of a line object (nil: left to the full rules). In a
    /// document more follows a line; here spaces do (the fast path wants 24 bytes to look at).
    static func fastPath(_ line: String) -> CartLine? {
        let bytes = Array(line.utf8) + Array(repeating: UInt8(ascii: " "), count: 24)
        return bytes.withUnsafeBufferPointer { buffer in
            var reader = WireReader(buffer)
            var lines: [CartLine] = []
            return reader.readCompactCartLine(appendingTo: &lines) ? lines.first : nil
        }
    }

    static func cart(lines: String) -> [UInt8] {
        Array(Verdict.cart(#"[{"lineId":"l1","productId":"p","variantId":"v","quantity":2,"unitPrice":"9.50"}]"#, "[\(lines)]").utf8)
    }

    @Test("a sorted compact line is read by the fast path into the expected line; the whole cart too")
    func sortedLine() throws {
        #expect(Self.fastPath(Self.sorted) == Self.expected)
        // Optional members absent, nulls.
        #expect(Self.fastPath(#"{"lineId":"l2","productId":"p2","productType":null,"quantity":1,"unitPrice":"1","variantId":"v2"}"#)
            == CartLine(lineId: "l2", productId: "p2", variantId: "v2", quantity: 1, unitPrice: DecimalAmount("1")!))
        let carts = Verdict.carts(Self.cart(lines: Self.sorted))
        #expect(carts.wire?.lines == [Self.expected])
        #expect(carts.reference?.lines == [Self.expected])
    }

    @Test("a whole cart event in sorted compact form (as EventCodec writes it): the fast path, to its last byte")
    func sortedCart() throws {
        let json = #"{"attributes":{"channel":"web"},"cartId":"c1","currency":"EUR","customer":{"country":"DE","id":"customer-0000001","ordersCount":3,"tags":["new"]},"eventId":"e1","lines":[{"collectionIds":["c1"],"lineId":"l1","productId":"p1","productType":"shoe","quantity":2,"tags":["sale"],"unitPrice":"9.50","variantId":"v1","vendor":"acme"}],"occurredAt":"2026-11-24T10:00:00Z","subtotal":"19.00","version":2}"#
        let expected = CartUpdated(
            eventId: "e1", cartId: "c1", version: 2, occurredAt: EventTime(millisecondsSinceEpoch: 1_795_514_400_000), currency: "EUR",
            customer: Customer(id: "customer-0000001", tags: ["new"], country: "DE", ordersCount: 3), lines: [Self.expected],
            subtotal: DecimalAmount("19.00")!, attributes: ["channel": "web"])
        #expect(Array(json.utf8) == EventCodec().encode(expected), "EventCodec writes this very text")
        // The document ends right after its last member: nothing follows to look at.
        let fast = Array(json.utf8).withUnsafeBufferPointer { buffer in
            var reader = WireReader(buffer)
            return reader.readCompactCartUpdated()
        }
        #expect(fast == expected)
        let carts = Verdict.carts(json)
        #expect(carts.wire == expected)
        #expect(carts.reference == expected)
    }

    @Test("anything else is left to the full rules, which read it the same", arguments: [
        // Declaration order, whitespace, an unknown member, a repeated member, a trailing comma, escapes.
        #"{"lineId":"l1","productId":"p1","variantId":"v1","quantity":2,"unitPrice":"9.50","collectionIds":["c1"],"tags":["sale"],"productType":"shoe","vendor":"acme"}"#,
        #"{"collectionIds":["c1"], "lineId":"l1","productId":"p1","productType":"shoe","quantity":2,"tags":["sale"],"unitPrice":"9.50","variantId":"v1","vendor":"acme"}"#,
        #"{"collectionIds":["c1"],"extra":1,"lineId":"l1","productId":"p1","productType":"shoe","quantity":2,"tags":["sale"],"unitPrice":"9.50","variantId":"v1","vendor":"acme"}"#,
        #"{"collectionIds":["c1"],"lineId":"l1","lineId":"l9","productId":"p1","productType":"shoe","quantity":2,"tags":["sale"],"unitPrice":"9.50","variantId":"v1","vendor":"acme"}"#,
        #"{"collectionIds":["c1"],"lineId":"l1","productId":"p1","productType":"shoe","quantity":2,"tags":["sale"],"unitPrice":"9.50","variantId":"v1","vendor":"acme",}"#,
        #"{"collectionIds":["c1"],"line\u0049d":"l1","productId":"p1","productType":"shoe","quantity":2,"tags":["sale"],"unitPrice":"9.50","variantId":"v1","vendor":"acme"}"#,
    ])
    func otherSpellings(line: String) {
        #expect(Self.fastPath(line) == nil)
        let carts = Verdict.carts(Self.cart(lines: line))
        #expect(carts.wire?.lines == [Self.expected])
        #expect(carts.reference?.lines == [Self.expected])
    }

    @Test("a bad or missing value in sorted compact form: the full rules' reason", arguments: [
        (#"{"lineId":"l1","productId":"p1","quantity":"2","unitPrice":"9.50","variantId":"v1"}"#, "lines[0].quantity: expected an integer"),
        (#"{"lineId":"l1","productId":"p1","quantity":2,"unitPrice":"9.50"}"#, "lines[0].variantId: missing required field"),
        (#"{"lineId":"l1","productId":"p1","quantity":2,"tags":["a",1],"unitPrice":"9.50","variantId":"v1"}"#, "lines[0].tags[1]: expected a string"),
        (#"{"lineId":"l1","productId":"p1","quantity":2,"unitPrice":"9.5.0","variantId":"v1"}"#, "lines[0].unitPrice: not a decimal string: '9.5.0'"),
    ])
    func badValues(line: String, reason: String) {
        #expect(Self.fastPath(line) == nil)
        let reasons = Verdict.cartReasons(Self.cart(lines: line))
        #expect(reasons.wire == reasons.reference)
        #expect(reasons.wire?.hasPrefix(reason) == true, "\(reasons.wire ?? "decoded") \(reasons.reference ?? "-")")
    }
}
