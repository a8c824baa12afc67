import Testing
@testable import OfferEngine

/// The writer's fast paths: shared strings found by fingerprint and bytes (ASCII) or as
/// `String`s (anything else), and records written on the stack by ``BinaryWriter/bytes(_:)``.
/// A back-reference that follows anything but `String` equality would change stored state.
@Suite("BinaryWriter: shared strings follow String equality, stack and heap writers agree")
struct BinaryWriterTests {
    /// The bytes `strings` take as shared strings, worked out the plain way: a list of the
    /// distinct strings so far, searched with `firstIndex(of:)`.
    static func expectedSharedBytes(_ strings: [String]) -> [UInt8] {
        var seen: [String] = []
        var bytes: [UInt8] = []
        func varint(_ value: UInt64) {
            var rest = value
            while rest >= 0x80 { bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80); rest >>= 7 }
            bytes.append(UInt8(rest))
        }
        for string in strings {
            if let index = seen.firstIndex(of: string) {
                varint(UInt64(index) << 1 | 1)
            } else {
                seen.append(string)
                varint(UInt64(string.utf8.count) << 1)
                bytes.append(contentsOf: string.utf8)
            }
        }
        return bytes
    }

    static func sharedBytes(_ strings: [String]) -> [UInt8] {
        BinaryWriter.bytes { writer in
            for string in strings { writer.writeSharedString(string) }
        }
    }

    /// Strings the fast path must tell apart or match: ids differing only in the middle
    /// (same first and last eight bytes, same length), prefixes, the empty string, non-ASCII
    /// ones, and the pairs `==` with different bytes.
    static let pool: [String] = [
        "", "K", "\u{212A}", ";", "a;", "a\u{37E}", "`", "x\u{1FEF}", "x`", "caf\u{E9}", "cafe\u{301}",
        "line-\u{212A}1", "line-K1", "line-1", "line-10", "line-01",
        "prefix00-middle-A-suffix00", "prefix00-middle-B-suffix00", "prefix00-middle-AB-suffix00",
        "abcdefgh", "abcdefgh12345678", "abcdefgh02345678", "abcdefghabcdefgh", "abcdefg",
        "variant-\u{1F600}", "variant-😀", "ÄÖÜ", "A\u{308}O\u{308}U\u{308}",
        String(repeating: "z", count: 300), String(repeating: "z", count: 299) + "y",
    ]

    @Test("strings == with different bytes (Kelvin sign and K, Greek question mark and ;, U+1FEF and `, é) refer back to each other, in both orders")
    func canonicalEquivalents() {
        let pairs: [(String, String)] = [
            ("\u{212A}", "K"), ("\u{37E}", ";"), ("\u{1FEF}", "`"), ("a\u{37E}b", "a;b"),
            ("caf\u{E9}", "cafe\u{301}"), ("line-\u{212A}-0123456789", "line-K-0123456789"),
        ]
        for (first, second) in pairs {
            #expect(first == second)
            for (a, b) in [(first, second), (second, first)] {
                let bytes = Self.sharedBytes(["x", a, b])
                // "x", then a in full, then b as a reference to string 1.
                #expect(bytes == [2, UInt8(ascii: "x"), UInt8(a.utf8.count << 1)] + Array(a.utf8) + [1 << 1 | 1])
            }
        }
    }

    @Test("ids with equal first and last eight bytes and equal length are told apart")
    func fingerprintNeighbours() {
        let strings = ["prefix00-middle-A-suffix00", "prefix00-middle-B-suffix00", "prefix00-middle-A-suffix00",
                       "abcdefgh12345678", "abcdefgh02345678", "abcdefgh12345678", "prefix00-middle-B-suffix00"]
        #expect(Self.sharedBytes(strings) == Self.expectedSharedBytes(strings))
    }

    @Test("3,000 random runs of shared strings, past the 32 indexed by value too, match a plain firstIndex(of:) search")
    func randomRuns() {
        var random = SplitMix64(seed: 0xB1_5A_12)
        for round in 0..<3_000 {
            var strings: [String] = []
            let count = random.next(upperBound: round % 10 == 0 ? 120 : 40)
            for _ in 0..<count {
                switch random.next(upperBound: 4) {
                case 0: strings.append(Self.pool[random.next(upperBound: Self.pool.count)])
                case 1: strings.append("id-\(random.next(upperBound: 48))")
                case 2: strings.append("a-long-product-identifier-\(random.next(upperBound: 24))-variant")
                default: strings.append(strings.isEmpty ? "first" : strings[random.next(upperBound: strings.count)])
                }
            }
            let bytes = Self.sharedBytes(strings)
            #expect(bytes == Self.expectedSharedBytes(strings), "\(strings)")
            var reader = BinaryReader(bytes)
            for string in strings {
                // A reference reads back as the first string it refers to: == to this one.
                #expect((try? reader.readSharedString("s")) == string)
            }
            #expect(reader.isAtEnd)
        }
    }

    @Test("a record written on the stack equals one written on the heap, also past the stack buffer's 1,024 bytes")
    func stackAndHeapAgree() {
        for size in [0, 1, 100, 1_023, 1_024, 1_025, 5_000] {
            let strings = (0..<size / 10).map { "s-\($0 % 50)-\(String(repeating: "q", count: $0 % 7))" }
            let write = { (writer: inout BinaryWriter) in
                for index in 0..<size % 10 { writer.writeByte(UInt8(index)) }
                for (index, string) in strings.enumerated() {
                    writer.writeSharedString(string)
                    writer.writeVarint(UInt64(index) * 1_000_003)
                    writer.writeString(string)
                    writer.writeFixed64(UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
                    writer.writeDecimal(DecimalAmount(mantissa: Int128(index) * -12_345, scale: 2))
                    writer.writeUUID(UInt128(index) << 64 | 0xABCD)
                }
            }
            var heap = BinaryWriter(capacity: 1)
            write(&heap)
            let stack = BinaryWriter.bytes(write)
            #expect(stack == heap.bytes)
            #expect(stack.count == heap.count)
        }
    }

    @Test("fixed-width values are written byte by byte as before: little-endian hashes, big-endian UUIDs")
    func fixedWidth() {
        let bytes = BinaryWriter.bytes { writer in
            writer.writeFixed64(0x0102_0304_0506_0708)
            writer.writeUUID(0x0011_2233_4455_6677_8899_AABB_CCDD_EEFF)
            writer.writeVarint(UInt128.max)
        }
        #expect(Array(bytes[0..<8]) == [8, 7, 6, 5, 4, 3, 2, 1])
        #expect(Array(bytes[8..<24]) == [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF])
        #expect(Array(bytes[24...]) == Array(repeating: 0xFF, count: 18) + [0x03])
    }
}
