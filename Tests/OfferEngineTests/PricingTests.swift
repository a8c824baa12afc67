import Foundation
import Testing
@testable import OfferEngine

@Suite("Pricing: price rules per currency, minor units, rounding")
struct PricingTests {
    func amount(_ text: String) -> DecimalAmount { DecimalAmount(text)! }

    func price(_ rule: String, _ currency: String) throws -> (String, String?)? {
        let rule = try Build.codec.decode(PriceRule.self, from: Array(rule.utf8))
        return rule.price(in: currency).map { ($0.unitPrice.description, $0.compareAtPrice?.description) }
    }

    @Test("fixed, percent off and amount off, at the currency's minor unit", arguments: [
        (#"{"fixed":"899"}"#, "EUR", "899.00", nil),
        (#"{"fixed":"899.00","of":"999"}"#, "EUR", "899.00", "999.00"),
        (#"{"percentOff":"10","of":"999.00"}"#, "USD", "899.10", "999.00"),
        (#"{"percentOff":"12.5","of":"80"}"#, "EUR", "70.00", "80.00"),
        (#"{"amountOff":"50.00","of":"849.00"}"#, "GBP", "799.00", "849.00"),
        (#"{"fixed":"1200.000"}"#, "JPY", "1200", nil),
        (#"{"percentOff":"15","of":"999"}"#, "JPY", "849", "999"),          // 849.15 → 849
        (#"{"percentOff":"10","of":"1000"}"#, "KRW", "900", "1000"),
        (#"{"percentOff":"10","of":"1.005"}"#, "KWD", "0.904", "1.005"),     // 0.9045 → 0.904 (half-even)
        (#"{"amountOff":"0.250","of":"3"}"#, "BHD", "2.750", "3.000"),
        (#"{"fixed":"5"}"#, "XYZ", "5.00", nil),                              // unknown codes: 2 digits
    ] as [(String, String, String, String?)])
    func rules(rule: String, currency: String, unit: String, compareAt: String?) throws {
        let result = try #require(try price(rule, currency))
        #expect(result.0 == unit)
        #expect(result.1 == compareAt)
    }

    @Test("a percentage is rounded half-even at .5 of the minor unit", arguments: [
        ("0.05", "10", "EUR", "0.04"),   // 0.045 → 0.04 (4 is even)
        ("0.15", "10", "EUR", "0.14"),   // 0.135 → 0.14 (3 is odd: up)
        ("0.25", "10", "EUR", "0.22"),   // 0.225 → 0.22
        ("0.35", "10", "EUR", "0.32"),   // 0.315 → 0.32
        ("0.11", "50", "EUR", "0.06"),   // 0.055 → 0.06
        ("999", "50", "JPY", "500"),     // 499.5 → 500
        ("997", "50", "JPY", "498"),     // 498.5 → 498
        ("1.01", "0.5", "EUR", "1.00"),  // 1.00495 → 1.00 (below half)
        ("3", "33.333", "EUR", "2.00"),  // 2.00001 → 2.00
    ])
    func halfEven(of list: String, percent: String, currency: String, expected: String) throws {
        #expect(try price(#"{"percentOff":"\#(percent)","of":"\#(list)"}"#, currency)?.0 == expected)
    }

    @Test("100 % off is zero, 0 % off is the list price, and an amount off never goes below zero")
    func bounds() throws {
        #expect(try price(#"{"percentOff":"100","of":"999.99"}"#, "EUR")?.0 == "0.00")
        #expect(try price(#"{"percentOff":"100","of":"999"}"#, "JPY")?.0 == "0")
        #expect(try price(#"{"percentOff":"0","of":"999.99"}"#, "EUR")?.0 == "999.99")
        #expect(try price(#"{"amountOff":"1000.00","of":"849.00"}"#, "EUR")?.0 == "0.00")
        #expect(try price(#"{"amountOff":"849","of":"849.00"}"#, "EUR")?.0 == "0.00")
        #expect(try price(#"{"fixed":"0"}"#, "EUR")?.0 == "0.00")
    }

    @Test("an amount with more decimals than the currency has no price there")
    func tooPrecise() throws {
        #expect(try price(#"{"fixed":"899.50"}"#, "JPY") == nil)
        #expect(try price(#"{"percentOff":"10","of":"9.995"}"#, "EUR") == nil)
        #expect(try price(#"{"fixed":"899.50"}"#, "EUR") != nil)
    }

    @Test("minor units follow ISO 4217")
    func minorUnits() {
        #expect(CurrencyMinorUnits.digits(of: "JPY") == 0 && CurrencyMinorUnits.digits(of: "KRW") == 0)
        for code in ["BHD", "KWD", "OMR", "JOD", "TND"] { #expect(CurrencyMinorUnits.digits(of: code) == 3) }
        #expect(CurrencyMinorUnits.digits(of: "EUR") == 2 && CurrencyMinorUnits.digits(of: "USD") == 2)
    }

    @Test("half-even division", arguments: [(45, 10, 4), (55, 10, 6), (44, 10, 4), (46, 10, 5), (5, 10, 0), (15, 10, 2), (0, 7, 0)])
    func division(numerator: Int, denominator: Int, expected: Int) {
        #expect(PriceRule.divideRoundingHalfEven(Int128(numerator), by: Int128(denominator)) == Int128(expected))
    }

    @Test("decoding errors name the field", arguments: [
        (#"{"percentOff":"10"}"#, "of: missing required field"),
        (#"{"amountOff":"10"}"#, "of: missing required field"),
        (#"{"of":"10"}"#, "$: give exactly one of fixed, percentOff, amountOff"),
        (#"{"fixed":"1","percentOff":"10","of":"5"}"#, "$: give exactly one of fixed, percentOff, amountOff (found fixed, percentOff)"),
        (#"{"fixed":"1","off":"5"}"#, "off: unknown field (did you mean 'of'?)"),
        (#"{"fixed":9}"#, #"fixed: not a decimal string (amounts are strings such as "19.99")"#),
        (#"{"percentOff":"ten","of":"5"}"#, "percentOff: not a decimal string: 'ten'"),
    ])
    func decodingErrors(json: String, reason: String) {
        #expect(throws: EventDecodingError(reason: reason)) { try Build.codec.decode(PriceRule.self, from: Array(json.utf8)) }
    }

    @Test("rules round-trip")
    func roundTrip() throws {
        for json in [#"{"fixed":"899.00"}"#, #"{"fixed":"899.00","of":"999.00"}"#, #"{"of":"999.00","percentOff":"10"}"#, #"{"amountOff":"50.00","of":"849.00"}"#] {
            let rule = try Build.codec.decode(PriceRule.self, from: Array(json.utf8))
            #expect(String(decoding: Build.codec.encode(rule), as: UTF8.self) == json)
        }
    }
}
