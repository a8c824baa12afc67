import Testing
@testable import OfferEngine

@Suite("EventCodec: the wire format and its errors")
struct EventCodecTests {
    let codec = EventCodec(limits: EventLimits(maxBytes: 4096, maxLines: 3))

    func reason<T: ValidatedEvent>(_ type: T.Type, _ json: String) -> String? {
        do {
            _ = try codec.decodeValidated(type, from: Array(json.utf8))
            return nil
        } catch {
            return error.reason
        }
    }

    static let validCart = #"{"eventId":"e1","cartId":"c1","version":1,"occurredAt":"2026-11-24T10:00:00Z","currency":"EUR","lines":[{"lineId":"l1","productId":"p","variantId":"v","quantity":2,"unitPrice":"9.50"}]}"#

    @Test("decodes a cart and computes its subtotal from the lines when absent")
    func decodesCart() throws {
        let cart = try codec.decodeValidated(CartUpdated.self, from: Array(Self.validCart.utf8))
        #expect(cart.effectiveSubtotal == DecimalAmount("19.00")!)
        #expect(cart.lines[0].unitPrice.description == "9.50")
    }

    @Test("refuses unusable events with a reason naming the field")
    func reasons() {
        #expect(reason(CartUpdated.self, #"{"cartId":"#)?.hasPrefix("not valid JSON") == true)
        #expect(reason(CartUpdated.self, Self.validCart.replacingOccurrences(of: #""version":1,"#, with: "")) == "version: missing required field")
        #expect(reason(CartUpdated.self, Self.validCart.replacingOccurrences(of: #""quantity":2"#, with: #""quantity":"2""#)) == "lines[0].quantity: expected an integer")
        #expect(reason(CartUpdated.self, Self.validCart.replacingOccurrences(of: #""quantity":2"#, with: #""quantity":-1"#)) == "lines[0].quantity: must be at least 1 (got -1)")
        #expect(reason(CartUpdated.self, Self.validCart.replacingOccurrences(of: #""9.50""#, with: "9.5")) == "lines[0].unitPrice: not a decimal string (amounts are strings such as \"19.99\")")
        #expect(reason(CartUpdated.self, Self.validCart.replacingOccurrences(of: #""EUR""#, with: #""euro""#)) == "currency: not an ISO 4217 code such as \"EUR\" (got 'euro')")
        #expect(reason(CartUpdated.self, Self.validCart.replacingOccurrences(of: "2026-11-24T10:00:00Z", with: "yesterday")) == "occurredAt: not an RFC 3339 date-time (such as \"2026-11-24T10:00:00Z\")")
        #expect(reason(CartUpdated.self, Self.validCart.replacingOccurrences(of: #""eventId":"e1""#, with: #""eventId":null"#)) == "eventId: null where a string is required")
        #expect(reason(OfferAccepted.self, #"{"eventId":"a","cartId":"","presentationId":"p","occurredAt":"2026-11-24T10:00:00Z"}"#) == "cartId: must not be empty")
    }

    @Test("refuses bytes that are not UTF-8")
    func notUTF8() {
        #expect(throws: EventDecodingError(reason: "not valid UTF-8")) {
            try codec.decode(CartUpdated.self, from: [0x7B, 0xFF, 0xFE, 0x7D])
        }
    }

    @Test("enforces the size limits")
    func limits() {
        let line = #"{"lineId":"LID","productId":"p","variantId":"v","quantity":1,"unitPrice":"1.00"}"#
        let lines = (1...4).map { line.replacingOccurrences(of: "LID", with: "l\($0)") }.joined(separator: ",")
        let cart = Self.validCart.replacingOccurrences(of: #"[{"lineId":"l1","productId":"p","variantId":"v","quantity":2,"unitPrice":"9.50"}]"#, with: "[\(lines)]")
        #expect(reason(CartUpdated.self, cart) == "lines: 4 lines is over the limit of 3")
        let huge = Self.validCart.replacingOccurrences(of: #""e1""#, with: "\"\(String(repeating: "x", count: 5000))\"")
        #expect(reason(CartUpdated.self, huge)?.contains("over the limit of 4096") == true)
    }

    @Test("encodes with sorted keys, decimal strings and RFC 3339 times: the same event, the same bytes")
    func encoding() throws {
        let mutation = CartMutation(
            eventId: "m", cartId: "c", presentationId: "p", acceptanceEventId: "a", offerId: "o", offerKind: .upsell,
            basedOnCartVersion: 3, occurredAt: Build.time(5),
            operations: [.removeLine(lineId: "l1"), .addLine(productId: "p", variantId: "v", quantity: 1, unitPrice: DecimalAmount("999.00")!)])
        let json = String(decoding: codec.encode(mutation), as: UTF8.self)
        #expect(json == #"{"acceptanceEventId":"a","basedOnCartVersion":3,"cartId":"c","eventId":"m","occurredAt":"2026-11-24T10:05:00Z","offerId":"o","offerKind":"upsell","operations":[{"lineId":"l1","op":"removeLine"},{"op":"addLine","productId":"p","quantity":1,"unitPrice":"999.00","variantId":"v"}],"presentationId":"p"}"#)
        #expect(try codec.decode(CartMutation.self, from: codec.encode(mutation)) == mutation)
    }

    @Test("unknown enum values are named with the accepted ones")
    func unknownEnum() {
        #expect(throws: EventDecodingError(reason: "kind: unknown value 'downsell' (expected upsell, crossSell)")) {
            try Build.offer(#"{"offerId":"o","kind":"downsell","status":"active","displayCriteria":{"subtotal":{"gte":"1"}},"items":[]}"#)
        }
    }
}
