import Testing
@testable import OfferEngine

/// `VocabularyTable` compares bytes where `Dictionary<String, _>` compares by canonical
/// equivalence: every answer must still be the dictionary's.
@Suite("VocabularyTable: byte lookups answer as Dictionary<String, Int32> does")
struct VocabularyTableTests {
    func numbered(_ keys: [String]) -> [String: Int32] {
        var codes: [String: Int32] = [:]
        for key in keys where codes[key] == nil { codes[key] = Int32(codes.count) }
        return codes
    }

    /// Asserts the table answers `value` as its dictionary does, and returns the answer.
    @discardableResult
    func lookup(_ table: VocabularyTable, _ value: String, sourceLocation: SourceLocation = #_sourceLocation) -> Int32? {
        let answer = table.code(value)
        #expect(answer == table.dictionary[value], "\(value.unicodeScalars.map { String($0.value, radix: 16) })",
                sourceLocation: sourceLocation)
        return answer
    }

    @Test("short ASCII ids: hits, misses, the empty string, NUL bytes and the 15/16-byte boundary")
    func asciiValues() {
        let keys = ["p1", "p12", "", "a", "a\u{0}", "123456789012345", "1234567890123456", "variant-0000001", "x-long-variant-id-0001"]
        let table = VocabularyTable(numbered(keys))
        for key in keys { #expect(lookup(table, key) != nil) }
        for miss in ["p2", "p", "p120", "a\u{0}\u{0}", "\u{0}", "12345678901234", "1234567890123457", "variant-0000002", "x-long-variant-id-0002", "P1"] {
            #expect(lookup(table, miss) == nil)
        }
        // Same bytes, different length: the length is part of the key.
        #expect(lookup(table, "a") != lookup(table, "a\u{0}"))
    }

    @Test("a non-ASCII value equal to an ASCII key (K, ; and ` have such twins) is found, as by the dictionary")
    func nonASCIIValueEqualToASCIIKey() {
        let table = VocabularyTable(numbered(["K", "tag;1", "a`b", "SKU-K"]))
        #expect(lookup(table, "\u{212A}") == lookup(table, "K"))         // KELVIN SIGN
        #expect(lookup(table, "tag\u{037E}1") == lookup(table, "tag;1"))  // GREEK QUESTION MARK
        #expect(lookup(table, "a\u{1FEF}b") == lookup(table, "a`b"))      // GREEK VARIA
        #expect(lookup(table, "SKU-\u{212A}") != nil)
        #expect(lookup(table, "\u{212A}\u{212A}") == nil)
    }

    @Test("with a non-ASCII key, ASCII values equal to it are found too")
    func nonASCIIKey() {
        let table = VocabularyTable(numbered(["\u{212A}", "caf\u{E9}", "p1"]))
        #expect(lookup(table, "K") == lookup(table, "\u{212A}"))
        #expect(lookup(table, "K") != nil)
        #expect(lookup(table, "cafe\u{301}") == lookup(table, "caf\u{E9}"))  // decomposed é
        #expect(lookup(table, "p1") != nil)
        #expect(lookup(table, "p2") == nil)
    }

    @Test("decomposed and precomposed non-ASCII values match each other, never an ASCII prefix")
    func nonASCIIValues() {
        let table = VocabularyTable(numbered(["cafe", "e", "p1"]))
        #expect(lookup(table, "caf\u{E9}") == nil)
        #expect(lookup(table, "cafe\u{301}") == nil)
        #expect(lookup(table, "e\u{301}") == nil)
        let empty = VocabularyTable([:])
        #expect(lookup(empty, "p1") == nil)
        #expect(lookup(empty, "") == nil)
    }

    @Test("random keys and values of ASCII and twin characters: the dictionary's answers (5,000 lookups)")
    func randomAgreement() {
        var rng = SplitMix64(seed: 0x7AB1E)
        let alphabet: [String] = ["a", "b", "K", ";", "`", "-", "0", "1", "\u{0}", "\u{212A}", "\u{037E}", "\u{1FEF}", "\u{E9}", "e\u{301}", "\u{301}"]
        func randomString(maxLength: Int) -> String {
            (0..<Int.random(in: 0...maxLength, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }.joined()
        }
        for round in 0..<50 {
            let asciiOnly = round % 2 == 0
            let keys = (0..<Int.random(in: 0...40, using: &rng)).map { _ in
                asciiOnly ? String(randomString(maxLength: 18).unicodeScalars.filter(\.isASCII)) : randomString(maxLength: 18)
            }
            let table = VocabularyTable(numbered(keys))
            for _ in 0..<100 {
                let value = Bool.random(using: &rng) && !keys.isEmpty ? keys.randomElement(using: &rng)! : randomString(maxLength: 18)
                lookup(table, value)
            }
        }
    }

    @Test("cart line codes made through the tables are the dictionary's codes")
    func lineCodes() throws {
        let criteria = try Build.criteria(#"{"cartContains":{"productIds":["K","p1","product-with-a-long-id"],"tags":["t;1","caf\u00e9"]}}"#)
        let vocabulary = CatalogVocabulary(criteria: [criteria])
        let lines = [
            Build.line("l1", product: "\u{212A}", tags: ["t\u{037E}1", "cafe\u{301}", "none"]),
            Build.line("l2", product: "p1"),
            Build.line("l3", product: "product-with-a-long-id", tags: ["t;1"]),
            Build.line("l4", product: "p2"),
        ]
        let codes = vocabulary.codes(of: lines)
        for (index, line) in lines.enumerated() {
            #expect(codes.product(index) == vocabulary.products[line.productId] ?? -1)
            let tagCodes = codes.tags(index).map { codes.code(at: $0) }
            #expect(tagCodes == (line.tags ?? []).compactMap { vocabulary.tags[$0] })
        }
        #expect(codes.product(0) == vocabulary.products["K"])
        #expect(codes.tags(0).count == 2)
    }

    @Test("cart facts tell repeated line ids as String == does: packed ASCII ids by their words, others by canonical equivalence")
    func lineIdUniqueness() {
        func unique(_ ids: [String]) -> Bool {
            CartFacts(Build.cart(ids.map { Build.line($0, product: "p") })).lineIdsAreUnique
        }
        #expect(unique(["line-1", "line-2", "line-10", "a", "a\u{0}"]))
        #expect(!unique(["line-1", "line-2", "line-1"]))
        #expect(!unique(["K", "x", "\u{212A}"]))                 // KELVIN SIGN == "K"
        #expect(!unique(["caf\u{E9}", "cafe\u{301}"]))
        #expect(unique(["K", "k", "\u{212B}"]))
        #expect(!unique(["a-line-id-longer-than-15", "a-line-id-longer-than-15"]))
        #expect(unique(["a-line-id-longer-than-15", "a-line-id-longer-than-16"]))
        #expect(unique([]))
    }
}
