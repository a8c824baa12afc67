import OfferEngine
import Testing
@testable import EventWire

/// Each kind of refusal, by hand: WireCodec gives the reason EventCodec gives (checked
/// alongside, so these tests also document what Foundation does).
@Suite("WireCodec refuses what EventCodec refuses, with the same reason")
struct WireRefusalTests {
    /// Both codecs refuse with `expected`.
    func expectCart(_ json: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let reasons = Verdict.cartReasons(json)
        #expect(reasons.reference == expected, "EventCodec", sourceLocation: sourceLocation)
        #expect(reasons.wire == expected, "WireCodec", sourceLocation: sourceLocation)
    }

    @Test("the size limit comes first, then UTF-8")
    func sizeThenEncoding() {
        let oversized = [0xFF] + Array(repeating: UInt8(ascii: " "), count: 4096)
        #expect(Verdict.cartReasons(oversized).reference == "event of 4097 bytes is over the limit of 4096")
        #expect(Verdict.cartReasons(oversized).wire == "event of 4097 bytes is over the limit of 4096")
        for bytes: [UInt8] in [[0x7B, 0xFF, 0x7D], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            #expect(Verdict.cartReasons(bytes).reference == "not valid UTF-8")
            #expect(Verdict.cartReasons(bytes).wire == "not valid UTF-8")
        }
    }

    @Test("a syntax error anywhere is 'not valid JSON', whatever else is wrong")
    func syntax() {
        expectCart(#"{"cartId":"#, "not valid JSON")
        expectCart("", "not valid JSON")
        expectCart(Verdict.cart + "x", "not valid JSON")
        expectCart(Verdict.cart + "{}", "not valid JSON")
        expectCart(#"{"eventId":1,"extra":[1 2]}"#, "not valid JSON")
        expectCart(Verdict.cart("\"version\":1", "\"version\":tru"), "not valid JSON")
        expectCart(Verdict.cart("\"version\":1", "\"version\":1,,\"x\":2"), "not valid JSON")
        expectCart(Verdict.cart("\"p\"", #""p\u12"#), "not valid JSON")  // \u needs four bytes before a quote
        expectCart(Verdict.cart("\"version\":1", "\"version\":1,\"x\":'a'"), "not valid JSON")
        // 513 levels of nesting (the cart is the first), even in a field nobody reads.
        expectCart(Verdict.cart("\"version\":1", "\"version\":1,\"x\":" + String(repeating: "[", count: 512) + String(repeating: "]", count: 512)),
                   "not valid JSON")
    }

    @Test("513 opening brackets and nothing else: WireCodec refuses them (EventCodec's Foundation traps on them)")
    func deepestBracketAtTheEnd() {
        // Foundation's scanner hits a precondition computing the error's location when
        // the bracket that opens the 513th level is the last byte, so a worker on EventCodec
        // crashes on this 513-byte record; the reference cannot be asked.
        let bytes = Array(repeating: UInt8(ascii: "["), count: 513)
        #expect(throws: EventDecodingError(reason: "not valid JSON")) { try Verdict.wire.decodeCartUpdated(bytes) }
        #expect(throws: EventDecodingError(reason: "not valid JSON")) { try Verdict.wire.decodeOfferAccepted(bytes) }
    }

    @Test("strings and numbers are checked when a field reads them: 'not valid JSON' in field order")
    func checkedWhenRead() {
        expectCart(Verdict.cart("\"e1\"", #""e\x1""#), "not valid JSON")
        expectCart(Verdict.cart("\"e1\"", #""\uD800""#), "not valid JSON")  // an unpaired surrogate
        expectCart(Verdict.cart("\"e1\"", "\"e\u{1}1\""), "not valid JSON")  // an unescaped control character
        expectCart(Verdict.cart("\"c1\"", #""\uDC00\uD800""#), "not valid JSON")
        for number in ["1.5", "01", "-", "1e400", "9223372036854775808", "9223372036854775807.0", "1.2.3", "1-2", "1e-5"] {
            expectCart(Verdict.cart("\"quantity\":2", "\"quantity\":\(number)"), "not valid JSON")
        }
        // A key is read as soon as its object is: a bad escape there fails the object…
        expectCart(Verdict.cart("\"version\":1", #""version":1,"bad\x":1"#), "not valid JSON")
        // …but an earlier-declared field's failure is found first.
        expectCart(Verdict.cart("\"e1\"", "5").replacingOccurrences(of: "\"EUR\"", with: #""\x""#), "eventId: expected a string")
    }

    @Test("a required field that is absent")
    func missing() {
        expectCart(Verdict.cart("\"version\":1,", ""), "version: missing required field")
        expectCart(Verdict.cart(",\"unitPrice\":\"9.50\"", ""), "lines[0].unitPrice: missing required field")
        expectCart("{}", "eventId: missing required field")
        #expect(Verdict.acceptanceReasons(#"{"eventId":"a1","cartId":"c1","occurredAt":"2026-11-24T10:05:00Z"}"#)
            == ("presentationId: missing required field", "presentationId: missing required field"))
    }

    @Test("a value of the wrong type")
    func typeMismatch() {
        expectCart(Verdict.cart("\"version\":1", "\"version\":\"1\""), "version: expected an integer")
        expectCart(Verdict.cart("\"version\":1", "\"version\":true"), "version: expected an integer")
        expectCart(Verdict.cart("\"quantity\":2", "\"quantity\":[2]"), "lines[0].quantity: expected an integer")
        expectCart(Verdict.cart("\"c1\"", "{}"), "cartId: expected a string")
        expectCart(Verdict.cart("\"version\":1", "\"version\":1,\"customer\":[]"), "customer: expected an object")
        expectCart(Verdict.cart("\"version\":1", "\"version\":1,\"attributes\":[]"), "attributes: expected an object")
        expectCart(Verdict.cart("\"version\":1", "\"version\":1,\"attributes\":{\"channel\":1}"), "attributes.channel: expected a string")
        // Dictionary keys that read as integers are printed as indices.
        expectCart(Verdict.cart("\"version\":1", "\"version\":1,\"attributes\":{\"5\":false}"), "attributes[5]: expected a string")
        expectCart(Verdict.cart("\"version\":1", "\"version\":1,\"attributes\":{\"+05\":false}"), "attributes[5]: expected a string")
        expectCart(Verdict.cart("\"version\":1", "\"version\":1,\"customer\":{\"tags\":[\"a\",2]}"), "customer.tags[1]: expected a string")
        expectCart(Verdict.cart("\"lines\":[", "\"lines\":{\"a\":[").replacingOccurrences(of: "}]}", with: "}]}}"), "lines: expected an array")
        for root in ["[]", "\"cart\"", "5", "-", "true"] {
            expectCart(root, "$: expected an object")
        }
    }

    @Test("null for a value that is not optional")
    func null() {
        expectCart(Verdict.cart("\"e1\"", "null"), "eventId: null where a string is required")
        expectCart(Verdict.cart("\"version\":1", "\"version\":null"), "version: null where an integer is required")
        expectCart(Verdict.cart("\"lines\":[{", "\"lines\":[null,{"), "lines[0]: null where an object is required")
        expectCart(Verdict.cart("\"lines\":[", "\"lines\":null,\"x\":["), "lines: null where an array is required")
        expectCart(Verdict.cart("\"version\":1", "\"version\":1,\"customer\":{\"tags\":[null]}"), "customer.tags[0]: null where a string is required")
        expectCart(" null ", "$: null where an object is required")
    }

    @Test("amounts and times with the messages of their own decoders")
    func customMessages() {
        expectCart(Verdict.cart("\"9.50\"", "\"9,50\""), "lines[0].unitPrice: not a decimal string: '9,50'")
        expectCart(Verdict.cart("\"9.50\"", "\"1e3\""), "lines[0].unitPrice: not a decimal string: '1e3'")
        expectCart(Verdict.cart("\"9.50\"", #""9\t5""#), "lines[0].unitPrice: not a decimal string: '9\t5'")
        for notAString in ["9.5", "null", "[]", #""9\x""#] {
            expectCart(Verdict.cart("\"9.50\"", notAString), "lines[0].unitPrice: not a decimal string (amounts are strings such as \"19.99\")")
        }
        expectCart(Verdict.cart("\"version\":1", "\"version\":1,\"subtotal\":5"), "subtotal: not a decimal string (amounts are strings such as \"19.99\")")
        for time in ["\"yesterday\"", "\"2025-02-29T00:00:00Z\"", "null", "1795514400", #""\x""#] {
            expectCart(Verdict.cart("\"2026-11-24T10:00:00Z\"", time), "occurredAt: not an RFC 3339 date-time (such as \"2026-11-24T10:00:00Z\")")
        }
    }

    @Test("of several failing fields, the one declared first in the event type is named")
    func declarationOrder() {
        // The document order does not matter: eventId is declared before currency.
        expectCart(#"{"currency":5,"eventId":5,"cartId":"c1","version":1,"occurredAt":"2026-11-24T10:00:00Z","lines":[]}"#, "eventId: expected a string")
        expectCart(#"{"lines":[{"quantity":"x"}],"version":"x","eventId":"e","cartId":"c"}"#, "version: expected an integer")
        expectCart(#"{"cartId":5,"version":1}"#, "eventId: missing required field")
        // Inside a line too, and the first failing line wins.
        expectCart(Verdict.cart("{\"lineId\"", "{\"quantity\":\"x\",\"lineId\":5},{\"lineId\""), "lines[0].lineId: expected a string")
    }

    @Test("events that decode but break the engine's rules: every problem, in the rules' order")
    func rules() {
        expectCart(Verdict.cart("\"version\":1", "\"version\":-1"), "version: must not be negative (got -1)")
        expectCart(Verdict.cart("\"EUR\"", "\"eur\""), "currency: not an ISO 4217 code such as \"EUR\" (got 'eur')")
        expectCart(Verdict.cart("\"e1\"", "\"\"").replacingOccurrences(of: "\"quantity\":2", with: "\"quantity\":0"),
                   "eventId: must not be empty; lines[0].quantity: must be at least 1 (got 0)")
        expectCart(Verdict.cart("\"lines\":[", "\"schemaVersion\":2,\"lines\":["),
                   "schemaVersion: unsupported version 2 (this worker reads version 1)")
        let line = #"{"lineId":"l1","productId":"p","variantId":"v","quantity":2,"unitPrice":"9.50"}"#
        expectCart(Verdict.cart(line, line + "," + line), "lines[1].lineId: 'l1' appears more than once")
        expectCart(Verdict.cart(line, [line, line, line, line].joined(separator: ",")), "lines: 4 lines is over the limit of 3; lines[1].lineId: 'l1' appears more than once; lines[2].lineId: 'l1' appears more than once; lines[3].lineId: 'l1' appears more than once")
        // Line ids are compared as Swift strings: "é" precomposed and decomposed are one id.
        expectCart(Verdict.cart(line, line + "," + line.replacingOccurrences(of: "l1", with: "l\u{E9}")).replacingOccurrences(of: "\"l1\"", with: "\"le\u{301}\""),
                   "lines[1].lineId: '\("l\u{E9}")' appears more than once")
        expectCart(Verdict.cart("\"9.50\"", "\"99999999999999999999.99\"").replacingOccurrences(of: "\"quantity\":2", with: "\"quantity\":1000000"),
                   "lines: the cart's total is too large to compute")
        #expect(Verdict.acceptanceReasons(Verdict.acceptance.replacingOccurrences(of: "\"p1\"", with: "\"\""))
            == ("presentationId: must not be empty", "presentationId: must not be empty"))
        let long = String(repeating: "x", count: 257)
        #expect(Verdict.declineReasons(Verdict.acceptance.replacingOccurrences(of: "\"c1\"", with: "\"\(long)\""))
            == ("cartId: longer than 256 bytes", "cartId: longer than 256 bytes"))
    }
}
