import OfferEngine
import Testing
@testable import EventWire

/// The worker's codec hands out arrays and dictionaries it read in earlier documents
/// (``WireInterner``): a repeat must decode, and refuse, exactly as reading afresh does.
/// Expected values are written out by hand; the fuzz in `DifferentialDecodeTests` compares
/// the two codecs on a million more.
@Suite("Repeated values are reused exactly")
struct WireInternerTests {
    static func cart(tags: String = #"["sale","new"]"#, attributes: String = #"{"channel":"web"}"#) -> [UInt8] {
        Array(Verdict.cart("\"unitPrice\":\"9.50\"}]}", "\"unitPrice\":\"9.50\",\"tags\":\(tags)}],\"attributes\":\(attributes)}").utf8)
    }

    /// A codec with a fresh interning table, and the table (to count what it reused).
    static func interning() -> (WireInterner, WireCodec) {
        let interner = WireInterner()
        return (interner, WireCodec(limits: Verdict.limits, interner: interner))
    }

    static func reason(_ codec: WireCodec, _ bytes: [UInt8]) -> String? {
        do {
            _ = try codec.decodeCartUpdated(bytes)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test("an array and a dictionary seen before are reused, with the same values")
    func reuse() throws {
        let (interner, codec) = Self.interning()
        let first = try codec.decodeCartUpdated(Self.cart())
        #expect(interner.reusedValues == 0)
        let second = try codec.decodeCartUpdated(Self.cart())
        #expect(interner.reusedValues == 2)
        for cart in [first, second] {
            #expect(cart.lines[0].tags == ["sale", "new"])
            #expect(cart.attributes == ["channel": "web"])
        }
        // Whitespace is part of the text: the same tags spelt otherwise are read afresh (only
        // the attributes are reused).
        let spaced = try codec.decodeCartUpdated(Self.cart(tags: #"[ "sale","new"]"#))
        #expect(spaced.lines[0].tags == ["sale", "new"])
        #expect(interner.reusedValues == 3)
    }

    @Test("texts of every length up to the limit, the closing bracket at every place in a word, are found again")
    func everyLength() throws {
        let (interner, codec) = Self.interning()
        for length in 0..<100 {
            let tag = String(repeating: "t", count: length)
            let text = "[\"\(tag)\"]"
            for _ in 0..<2 {
                let cart = try codec.decodeCartUpdated(Self.cart(tags: text, attributes: "null"))
                #expect(cart.lines[0].tags == [tag])
            }
        }
        // `["` + tag + `"]` is kept up to 96 bytes (tags of up to 92 characters), each reused once.
        #expect(interner.reusedValues == 93)
    }

    @Test("a closing bracket inside a string: read afresh every time, never cut short")
    func bracketInsideString() throws {
        let (interner, codec) = Self.interning()
        for _ in 0..<3 {
            let cart = try codec.decodeCartUpdated(Self.cart(tags: #"["a]b","c"]"#, attributes: #"{"k":"}","l":"m"}"#))
            #expect(cart.lines[0].tags == ["a]b", "c"])
            #expect(cart.attributes == ["k": "}", "l": "m"])
        }
        // A prefix that was kept (`["a]`) never stands for the longer array.
        _ = try codec.decodeCartUpdated(Self.cart(tags: #"["a]"#.appending(#""]"#)))
        let longer = try codec.decodeCartUpdated(Self.cart(tags: #"["a]b","c"]"#))
        #expect(longer.lines[0].tags == ["a]b", "c"])
    }

    @Test("a value that failed is not kept: the same text fails again with the same reason")
    func failuresAreNotKept() {
        let (interner, codec) = Self.interning()
        let bad = Self.cart(tags: #"["x",1]"#)
        let expected = "lines[0].tags[1]: expected a string"
        #expect(Self.reason(codec, bad) == Self.reason(Verdict.wire, bad))
        #expect(Self.reason(codec, bad) == Self.reason(Verdict.wire, bad))
        #expect(Self.reason(Verdict.wire, bad)?.hasPrefix(expected) == true, "\(Self.reason(Verdict.wire, bad) ?? "decoded")")
        // The second time, only the attributes were reused, not the failing tags.
        #expect(interner.reusedValues == 1)
        // A kept value followed by a syntax error elsewhere: the document is still refused.
        _ = try? codec.decodeCartUpdated(Self.cart())
        var broken = Self.cart()
        broken.removeLast()
        #expect(Self.reason(codec, broken) == "not valid JSON")
    }

    @Test("repeated keys: the first wins, reused or not")
    func repeatedKeys() throws {
        let (interner, codec) = Self.interning()
        for _ in 0..<2 {
            let cart = try codec.decodeCartUpdated(Self.cart(attributes: #"{"a":"1","a":"2"}"#))
            #expect(cart.attributes == ["a": "1"])
        }
        #expect(interner.reusedValues >= 1)
    }
}
