import Testing
@testable import OfferEngine

@Suite("DisplayCriteria: evaluation and trigger lines")
struct DisplayCriteriaTests {
    let phone = Build.line("l1", product: "phone-std", quantity: 1, price: "799.00", collections: ["phones"], tags: ["electronics"])
    let cable = Build.line("l2", product: "usb-cable", quantity: 2, price: "9.50", tags: ["electronics", "accessory"])
    let caseLine = Build.line("l3", product: "phone-case", quantity: 1, price: "29.00", collections: ["accessories"])

    func evaluate(_ json: String, _ lines: [CartLine], subtotal: String? = nil) throws -> CriteriaMatch {
        try Build.criteria(json).evaluate(Build.cart(subtotal: subtotal, lines))
    }

    @Test("cartContains matches by product, variant, collection and tag; its matched lines trigger")
    func cartContainsSelectors() throws {
        #expect(try evaluate(#"{"cartContains":{"productIds":["phone-std"]}}"#, [phone, cable]) == CriteriaMatch(isSatisfied: true, triggerLineIds: ["l1"]))
        #expect(try evaluate(#"{"cartContains":{"variantIds":["usb-cable-v"]}}"#, [phone, cable]).triggerLineIds == ["l2"])
        #expect(try evaluate(#"{"cartContains":{"collectionIds":["phones","tablets"]}}"#, [phone, cable]).triggerLineIds == ["l1"])
        #expect(try evaluate(#"{"cartContains":{"tags":["electronics"]}}"#, [phone, cable, caseLine]).triggerLineIds == ["l1", "l2"])
        #expect(try !evaluate(#"{"cartContains":{"productIds":["tablet"]}}"#, [phone, cable]).isSatisfied)
        #expect(try !evaluate(#"{"cartContains":{"productIds":["phone-std"]}}"#, []).isSatisfied)
    }

    @Test("selectors in one cartContains must all hold for a line")
    func selectorsCombine() throws {
        #expect(try evaluate(#"{"cartContains":{"tags":["electronics"],"collectionIds":["phones"]}}"#, [phone, cable]).triggerLineIds == ["l1"])
        #expect(try !evaluate(#"{"cartContains":{"tags":["accessory"],"collectionIds":["phones"]}}"#, [phone, cable]).isSatisfied)
    }

    @Test("minQuantity counts the matched lines' quantities, at its edge")
    func minQuantity() throws {
        #expect(try evaluate(#"{"cartContains":{"productIds":["usb-cable"],"minQuantity":2}}"#, [cable]).isSatisfied)
        #expect(try !evaluate(#"{"cartContains":{"productIds":["usb-cable"],"minQuantity":3}}"#, [cable]).isSatisfied)
        #expect(try evaluate(#"{"cartContains":{"tags":["electronics"],"minQuantity":3}}"#, [phone, cable]).isSatisfied)
    }

    @Test("subtotal is a half-open range [gte, lt), from the lines or the given subtotal")
    func subtotal() throws {
        // phone 799.00 + cables 2 × 9.50 = 818.00
        #expect(try evaluate(#"{"subtotal":{"gte":"818.00"}}"#, [phone, cable]).isSatisfied)
        #expect(try !evaluate(#"{"subtotal":{"gte":"818.01"}}"#, [phone, cable]).isSatisfied)
        #expect(try !evaluate(#"{"subtotal":{"lt":"818"}}"#, [phone, cable]).isSatisfied)
        #expect(try evaluate(#"{"subtotal":{"lt":"818.01"}}"#, [phone, cable]).isSatisfied)
        #expect(try evaluate(#"{"subtotal":{"gte":"100","lt":"200"}}"#, [phone], subtotal: "150.00").isSatisfied)
        #expect(try evaluate(#"{"subtotal":{"gte":"1"}}"#, [phone]).triggerLineIds.isEmpty)
    }

    @Test("all needs every condition and unites their triggers; any needs one and unites the satisfied ones'")
    func allAndAny() throws {
        let both = #"{"all":[{"cartContains":{"productIds":["phone-std"]}},{"cartContains":{"productIds":["usb-cable"]}}]}"#
        #expect(try evaluate(both, [phone, cable]).triggerLineIds == ["l1", "l2"])
        #expect(try !evaluate(both, [phone]).isSatisfied)
        let either = #"{"any":[{"cartContains":{"productIds":["phone-std"]}},{"cartContains":{"productIds":["tablet"]}}]}"#
        #expect(try evaluate(either, [phone, cable]) == CriteriaMatch(isSatisfied: true, triggerLineIds: ["l1"]))
        #expect(try !evaluate(either, [cable]).isSatisfied)
    }

    @Test("not inverts, and lines it matches never trigger")
    func not() throws {
        let json = #"{"all":[{"cartContains":{"tags":["electronics"]}},{"not":{"cartContains":{"productIds":["phone-case"]}}}]}"#
        #expect(try evaluate(json, [phone, cable]).triggerLineIds == ["l1", "l2"])
        #expect(try !evaluate(json, [phone, caseLine]).isSatisfied)
        let doubleNot = #"{"not":{"not":{"cartContains":{"productIds":["phone-std"]}}}}"#
        #expect(try evaluate(doubleNot, [phone]) == CriteriaMatch(isSatisfied: true, triggerLineIds: []))
    }

    @Test("nests to any depth")
    func nesting() throws {
        var json = #"{"cartContains":{"productIds":["phone-std"]}}"#
        for level in 0..<50 { json = level % 2 == 0 ? #"{"all":[\#(json)]}"# : #"{"any":[\#(json)]}"# }
        #expect(try evaluate(json, [phone]).triggerLineIds == ["l1"])
    }

    @Test("a condition must have exactly one known key")
    func decodingErrors() {
        #expect(throws: EventDecodingError(reason: "$: a condition has exactly one of all, any, not, cartContains, subtotal, itemCount, lineCount, currency, customer, attribute, schedule, excludes; found all, any")) {
            try Build.criteria(#"{"all":[],"any":[]}"#)
        }
        #expect(throws: EventDecodingError(reason: "all[0]: a condition has exactly one of all, any, not, cartContains, subtotal, itemCount, lineCount, currency, customer, attribute, schedule, excludes; found cartHas")) {
            try Build.criteria(#"{"all":[{"cartHas":{}}]}"#)
        }
        #expect(throws: EventDecodingError(reason: "not.subtotal.gte: not a decimal string: 'lots'")) {
            try Build.criteria(#"{"not":{"subtotal":{"gte":"lots"}}}"#)
        }
    }

    @Test("round-trips through JSON")
    func roundTrip() throws {
        let criteria = try Build.criteria(#"{"all":[{"cartContains":{"productIds":["a"],"minQuantity":2}},{"any":[{"subtotal":{"gte":"1.00","lt":"2.00"}},{"not":{"cartContains":{"tags":["x"]}}}]}]}"#)
        #expect(try Build.codec.decode(DisplayCriteria.self, from: Build.codec.encode(criteria)) == criteria)
    }
}
