import OfferEngine
import Testing
@testable import EventWire

/// What Foundation lets through, WireCodec lets through with the same values: nothing that
/// decodes today is refused after the switch.
@Suite("WireCodec accepts what EventCodec accepts, with the same values")
struct WireLeniencyTests {
    /// Both codecs decode `json` to the same cart; returns it.
    @discardableResult
    func expectCart(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) -> CartUpdated? {
        expectCart(Array(json.utf8), sourceLocation: sourceLocation)
    }

    @discardableResult
    func expectCart(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> CartUpdated? {
        let carts = Verdict.carts(bytes)
        #expect(carts.reference != nil, "EventCodec refused it", sourceLocation: sourceLocation)
        #expect(carts.wire == carts.reference, "WireCodec differs", sourceLocation: sourceLocation)
        return carts.wire
    }

    @Test("whitespace, a UTF-8 byte order mark, trailing commas")
    func layout() {
        expectCart(" \n\t\r" + Verdict.cart + " \r\n")
        expectCart([0xEF, 0xBB, 0xBF] + Array(Verdict.cart.utf8))
        expectCart(Verdict.cart("}]}", "},],}"))
        expectCart(Verdict.cart.replacingOccurrences(of: ",", with: " ,\n ").replacingOccurrences(of: "\":", with: "\"\t:\t"))
    }

    @Test("a repeated key: the first wins and the others are not even read")
    func repeatedKeys() {
        let cart = expectCart(Verdict.cart("\"version\":1", "\"version\":1,\"version\":\"two\",\"eventId\":[]"))
        #expect(cart?.version == 1)
        #expect(cart?.eventId == "e1")
        // A key spelled with escapes is the same key.
        #expect(expectCart(Verdict.cart("\"eventId\":\"e1\"", #""\u0065ventId":"first","eventId":"second""#))?.eventId == "first")
        // Attribute keys are equal as Swift strings: precomposed and decomposed "é" are one.
        let attributes = expectCart(Verdict.cart("\"version\":1", "\"version\":1,\"attributes\":{\"\u{E9}\":\"1\",\"e\u{301}\":2}"))?.attributes
        #expect(attributes == ["\u{E9}": "1"])
    }

    @Test("unknown fields are scanned, not read: any escape, any run of number characters, 512 levels")
    func unknownFields() {
        expectCart(Verdict.cart("\"version\":1", #""version":1,"extra":"\x\uZZZZ","n":1-2-3,"m":--e+.,"o":{"k\x":[0123,]}"#))
        expectCart(Verdict.cart("\"version\":1", "\"version\":1,\"raw\":\"tab\there\""))
        expectCart(Verdict.cart("\"version\":1", "\"version\":1,\"deep\":" + String(repeating: "[", count: 511) + String(repeating: "]", count: 511)))
    }

    @Test("integers as Foundation reads them: 2.0, 2e0, -0, rounding beyond 2^53")
    func integers() {
        #expect(expectCart(Verdict.cart("\"quantity\":2", "\"quantity\":2.0"))?.lines[0].quantity == 2)
        #expect(expectCart(Verdict.cart("\"quantity\":2", "\"quantity\":20e-1"))?.lines[0].quantity == 2)
        #expect(expectCart(Verdict.cart("\"version\":1", "\"version\":-0"))?.version == 0)
        #expect(expectCart(Verdict.cart("\"version\":1", "\"version\":1e-400"))?.version == 0)
        #expect(expectCart(Verdict.cart("\"version\":1", "\"version\":9007199254740993.9"))?.version == 9_007_199_254_740_993)
        #expect(expectCart(Verdict.cart("\"version\":1", "\"version\":9223372036854775807"))?.version == Int64.max)
        #expect(expectCart(Verdict.cart("\"version\":1", "\"version\":1.5e17"))?.version == 150_000_000_000_000_000)
    }

    @Test("null or absent optional fields, and nested optional objects")
    func optionals() {
        let cart = expectCart(Verdict.cart("\"version\":1", #""version":1,"customer":null,"subtotal":null,"attributes":null,"schemaVersion":null"#))
        #expect(cart?.customer == nil && cart?.subtotal == nil && cart?.attributes == nil && cart?.schemaVersion == nil)
        let customer = expectCart(Verdict.cart("\"version\":1", #""version":1,"customer":{"id":null,"tags":null,"ordersCount":3}"#))?.customer
        #expect(customer == Customer(ordersCount: 3))
        #expect(expectCart(Verdict.cart("\"version\":1", #""version":1,"customer":{}"#))?.customer == Customer())
        #expect(expectCart(Verdict.cart("\"version\":1", #""version":1,"attributes":{}"#))?.attributes == [:])
    }

    @Test("escapes in strings: \\/, \\u with surrogate pairs, control characters")
    func escapes() {
        let cart = expectCart(Verdict.cart("\"l1\"", #""a\/b\u00e9\ud83d\uDED2\n\u0000\"""#))
        #expect(cart?.lines[0].lineId == "a/bé🛒\n\u{0}\"")
        #expect(expectCart(Verdict.cart("\"9.50\"", #""\u0039.50""#))?.lines[0].unitPrice == DecimalAmount("9.50"))
        #expect(expectCart(Verdict.cart("\"2026-11-24T10:00:00Z\"", #""2026-11-24\u005410:00:00Z""#))?.occurredAt == EventTime(rfc3339: "2026-11-24T10:00:00Z"))
    }

    @Test("documents Foundation reads as UTF-16 or UTF-32 (NUL bytes among the first four)")
    func otherEncodings() {
        let text = Verdict.cart
        expectCart(text.utf16.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] })
        expectCart(text.utf16.flatMap { [UInt8(truncatingIfNeeded: $0 >> 8), UInt8(truncatingIfNeeded: $0)] })
        expectCart(text.unicodeScalars.flatMap { scalar in (0..<4).reversed().map { UInt8(truncatingIfNeeded: scalar.value >> (8 * $0)) } })
        // "5" then NUL is the number 5 in UTF-16LE, not a cart.
        #expect(Verdict.cartReasons([0x35, 0x00]) == ("$: expected an object", "$: expected an object"))
    }

    @Test("acceptances and declines decode to the same values")
    func responses() throws {
        let json = Verdict.acceptance.replacingOccurrences(of: "}", with: ",\"schemaVersion\":1.0,\"note\":[]}")
        let bytes = Array(json.utf8)
        let accepted = try Verdict.wire.decodeOfferAccepted(bytes)
        #expect(accepted == (try Verdict.reference.decodeValidated(OfferAccepted.self, from: bytes)))
        #expect(accepted.schemaVersion == 1)
        let declined = try bytes.withUnsafeBytes { try Verdict.wire.decodeOfferDeclined($0) }
        #expect(declined == (try Verdict.reference.decodeValidated(OfferDeclined.self, from: bytes)))
    }
}
