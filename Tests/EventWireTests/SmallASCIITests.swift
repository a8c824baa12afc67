import Testing
@testable import EventWire

/// The decoder builds short ASCII strings from their bytes in the standard library's small-
/// string layout. A string that merely compared equal but hashed differently would break
/// every dictionary keyed by decoded ids (attributes, vocabularies, carts), so these strings
/// must be indistinguishable from the standard library's own.
@Suite("Small ASCII strings are the standard library's own")
struct SmallASCIITests {
    @Test("on this platform the layout check passes, so the fast path is what runs")
    func availableHere() {
        #expect(SmallASCII.isAvailable)
    }

    /// `bytes` (at most 15) as the two little-endian words the reader loads.
    static func small(_ bytes: [UInt8]) -> String {
        var low: UInt64 = 0
        var high: UInt64 = 0
        for (offset, byte) in bytes.enumerated() {
            if offset < 8 { low |= UInt64(byte) << (8 * offset) } else { high |= UInt64(byte) << (8 * (offset - 8)) }
        }
        return SmallASCII.string(low: low, high: high, count: bytes.count)
    }

    @Test("every length 0–15 and every ASCII byte: same bits, equal, same hash, same UTF-8, interchangeable as keys")
    func sameAsStandard() throws {
        try #require(SmallASCII.isAvailable)
        var rng = SplitMix64(seed: 15)
        var samples: [[UInt8]] = (0...127).map { [UInt8($0)] }  // every ASCII byte, NUL included
        for count in 0...SmallASCII.capacity {
            for _ in 0..<200 { samples.append((0..<count).map { _ in UInt8(rng.next(128)) }) }
        }
        var keyed: [String: Int] = [:]
        for (index, bytes) in samples.enumerated() {
            let made = Self.small(bytes)
            let standard = String(decoding: bytes, as: UTF8.self)
            #expect(unsafeBitCast(made, to: (UInt64, UInt64).self) == unsafeBitCast(standard, to: (UInt64, UInt64).self), "\(bytes)")
            #expect(made == standard && made.hashValue == standard.hashValue && Array(made.utf8) == bytes, "\(bytes)")
            keyed[standard] = index
        }
        for bytes in samples {
            #expect(keyed[Self.small(bytes)] != nil)
        }
    }
}
