import Foundation
import Testing
@testable import OfferEngine

/// ``UUIDText``'s unrolled parse and format against the plain per-character versions they
/// replaced: presentation ids are stored by these, so any difference would change state.
@Suite("UUIDText: same as the per-character parse and format")
struct UUIDTextTests {
    static func slowFormat(_ bits: UInt128) -> String {
        var text = ""
        for index in 0..<16 {
            if index == 4 || index == 6 || index == 8 || index == 10 { text += "-" }
            let byte = UInt8(truncatingIfNeeded: bits >> (8 * (15 - index)))
            text += String(byte >> 4, radix: 16) + String(byte & 0x0F, radix: 16)
        }
        return text
    }

    static func slowParse(_ text: String) -> UInt128? {
        let utf8 = Array(text.utf8)
        guard utf8.count == 36 else { return nil }
        var value: UInt128 = 0
        for (index, character) in utf8.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard character == UInt8(ascii: "-") else { return nil }
                continue
            }
            guard let digit = "0123456789abcdef".utf8.firstIndex(of: character) else { return nil }
            value = value << 4 | UInt128("0123456789abcdef".utf8.distance(from: "0123456789abcdef".utf8.startIndex, to: digit))
        }
        return value
    }

    @Test("20,000 random UUIDs format and parse as before, and one changed character is parsed as before")
    func randomValues() {
        var random = SplitMix64(seed: 0x0055_1D7E)
        let alphabet = Array("0123456789abcdefABCDEFg-_ é".utf8)
        for _ in 0..<20_000 {
            let bits = UInt128(random.next()) << 64 | UInt128(random.next())
            var bigEndian = bits.bigEndian
            let text = withUnsafeBytes(of: &bigEndian) { UUIDText.format($0) }
            #expect(text == Self.slowFormat(bits))
            #expect(UUIDText.parse(text) == bits)
            var mutated = Array(text.utf8)
            mutated[random.next(upperBound: mutated.count)] = alphabet[random.next(upperBound: alphabet.count)]
            let odd = String(decoding: mutated, as: UTF8.self)
            #expect(UUIDText.parse(odd) == Self.slowParse(odd))
        }
    }

    @Test("non-canonical ids are not UUIDs")
    func nonCanonical() {
        let canonical = "0f1e2d3c-4b5a-8968-a7b6-c5d4e3f2a1b0"
        #expect(UUIDText.parse(canonical) == Self.slowParse(canonical))
        for odd in [canonical.uppercased(), String(canonical.dropLast()), canonical + "0", canonical.replacingOccurrences(of: "-", with: ""),
                    String(canonical.dropLast()) + "é", "", "p1", String(repeating: "-", count: 36), "0f1e2d3c-4b5a-8968-a7b6c-5d4e3f2a1b0"] {
            #expect(UUIDText.parse(odd) == nil, "\(odd)")
        }
    }
}
