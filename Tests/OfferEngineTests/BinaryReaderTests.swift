import Testing
@testable import OfferEngine

/// The reader's fast paths: one-byte varints read inline, and ASCII strings checked eight
/// bytes at a time. Whatever the bytes, the result must be what the plain rules give: the
/// same strings, and the same errors for invalid UTF-8, truncation and oversized numbers.
@Suite("BinaryReader: fast paths give the plain rules' strings and errors")
struct BinaryReaderTests {
    /// A length-prefixed string record: the length as one varint byte, then `bytes`.
    static func stringRecord(_ bytes: [UInt8]) -> [UInt8] { [UInt8(bytes.count)] + bytes }

    @Test("a non-ASCII or invalid byte is noticed at every position of strings of 1 to 40 bytes")
    func everyPosition() throws {
        for length in 1...40 {
            for position in 0..<length {
                var ascii = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
                var reader = BinaryReader(Self.stringRecord(ascii))
                #expect(try reader.readString("s") == String(decoding: ascii, as: UTF8.self))

                // A lone continuation or 0xFF byte is not UTF-8 and must be refused.
                for bad: UInt8 in [0x80, 0xBF, 0xFF] {
                    ascii[position] = bad
                    var reader = BinaryReader(Self.stringRecord(ascii))
                    let error = #expect(throws: BinaryDecodingError.self) { try reader.readString("s") }
                    #expect(error?.reason == "s: not valid UTF-8")
                }

                // Valid two-byte UTF-8 (é) at this position reads back as itself.
                if position + 1 < length {
                    var accented = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
                    accented[position] = 0xC3
                    accented[position + 1] = 0xA9
                    var reader = BinaryReader(Self.stringRecord(accented))
                    let text = try reader.readString("s")
                    #expect(Array(text.utf8) == accented)
                    #expect(text.contains("é"))
                }
            }
        }
    }

    @Test("invalid UTF-8 in a shared string is refused, naming the field")
    func invalidSharedString() {
        var reader = BinaryReader([UInt8(3 << 1), 0x61, 0xC3, 0x28])
        #expect(throws: BinaryDecodingError.self) { try reader.readSharedString("cart lineId") }
        do {
            var reader = BinaryReader([UInt8(3 << 1), 0x61, 0xC3, 0x28])
            _ = try reader.readSharedString("cart lineId")
        } catch {
            #expect(error.description.contains("cart lineId: not valid UTF-8"))
        }
    }

    @Test("one-byte varints read inline; longer, truncated and oversized ones as before")
    func varints() throws {
        var reader = BinaryReader([0x00, 0x7F, 0x80, 0x01, 0xFF, 0x7F])
        #expect(try reader.readVarint(UInt64.self, "a") == 0)
        #expect(try reader.readVarint(UInt64.self, "b") == 127)
        #expect(try reader.readVarint(UInt64.self, "c") == 128)
        #expect(try reader.readVarint(UInt64.self, "d") == 16_383)
        #expect(reader.isAtEnd)
        #expect(throws: BinaryDecodingError.self) { try reader.readVarint(UInt64.self, "past the end") }

        var truncated = BinaryReader([0x80])
        #expect(throws: BinaryDecodingError.self) { try truncated.readVarint(UInt64.self, "truncated") }
        #expect(truncated.offset == 0)

        var narrow = BinaryReader([0x7F, 0x80, 0x02])
        #expect(try narrow.readVarint(UInt8.self, "fits") == 127)
        #expect(throws: BinaryDecodingError.self) { try narrow.readVarint(UInt8.self, "256 in a byte") }
        #expect(narrow.offset == 1)

        var count = BinaryReader([0x7F])
        #expect(throws: BinaryDecodingError.self) { try count.readCount("count", limit: 100) }
    }
}
