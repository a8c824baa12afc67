import Testing
@testable import OfferEngine

@Suite("DecimalAmount: exact money")
struct DecimalAmountTests {
    @Test("parses decimal strings and prints them back with their scale", arguments: ["0", "0.50", "799.00", "-3", "1000.125", "12345678901234.5678"])
    func roundTrip(text: String) throws {
        let amount = try #require(DecimalAmount(text))
        #expect(amount.description == text)
    }

    @Test("refuses what is not a plain decimal string", arguments: ["", "-", "1.", ".5", "1e3", "+1", "1,000", "007", " 1", "1.2.3", "abc", "0x10", "1234567890123456789012345"])
    func refuses(text: String) {
        #expect(DecimalAmount(text) == nil)
    }

    @Test("compares numerically across scales")
    func comparison() {
        #expect(DecimalAmount("1.5")! == DecimalAmount("1.50")!)
        #expect(Set([DecimalAmount("1.5")!, DecimalAmount("1.500")!]).count == 1)
        #expect(DecimalAmount("4999.99")! < DecimalAmount("5000")!)
        #expect(DecimalAmount("-0.01")! < DecimalAmount("0")!)
    }

    @Test("adds and multiplies exactly, where a binary float would not")
    func arithmetic() {
        // 0.1 + 0.2 is 0.30000000000000004 in Double.
        #expect(DecimalAmount("0.1")!.adding(DecimalAmount("0.2")!)!.description == "0.3")
        #expect(DecimalAmount("19.99")!.multiplied(by: 3)!.description == "59.97")
        #expect(DecimalAmount("9.5")!.adding(DecimalAmount("0.25")!)!.description == "9.75")
    }

    @Test("reports overflow instead of wrapping")
    func overflow() {
        let big = DecimalAmount("999999999999999999999999")!
        #expect(big.adding(big) == nil)
        #expect(big.multiplied(by: 10) == nil)
    }

    @Test("decodes only from strings, naming the problem")
    func decoding() throws {
        #expect(throws: EventDecodingError.self) { try Build.codec.decode([DecimalAmount].self, from: Array("[9.5]".utf8)) }
        do {
            _ = try Build.codec.decode([String: DecimalAmount].self, from: Array(#"{"price":"9,5"}"#.utf8))
            Issue.record("expected a decoding error")
        } catch {
            #expect(error.reason == "price: not a decimal string: '9,5'")
        }
    }
}
