/// Makes a `String` of at most 15 ASCII bytes straight from its bytes, as the standard
/// library stores it (a "small string": the bytes in the two words of the `String` itself).
///
/// Most strings of an event are short identifiers ("p123-v2", "line-3", "EUR"), and
/// `String(decoding:as:)` costs several times the rest of reading one: it is an opaque call
/// that checks the bytes again (the whole document is already known to be UTF-8) and copies
/// them one at a time. Here the reader hands over the bytes as two words it has already loaded.
///
/// The layout is the standard library's ABI on 64-bit platforms, but it is not public API:
/// ``isAvailable`` checks at first use that it makes exactly the strings the standard library
/// makes (same bits, equal strings), and readers fall back to `String(decoding:as:)` if not.
enum SmallASCII {
    /// The most bytes a small string holds.
    static let capacity = 15

    /// Whether ``string(low:high:count:)`` makes standard strings on this platform.
    static let isAvailable: Bool = {
        #if _pointerBitWidth(_64) && _endian(little)
        guard MemoryLayout<String>.size == 16 else { return false }
        let probes = ["", "a", "EUR", "p123-v2", "abcdefgh", "collection-12", "abcdefghijklmno"]
        for probe in probes {
            var low: UInt64 = 0
            var high: UInt64 = 0
            for (index, byte) in probe.utf8.enumerated() {
                if index < 8 { low |= UInt64(byte) << (8 * index) } else { high |= UInt64(byte) << (8 * (index - 8)) }
            }
            let made = make(low: low, high: high, count: probe.utf8.count)
            let standard = unsafeBitCast(probe, to: (UInt64, UInt64).self)
            let bits = unsafeBitCast(made, to: (UInt64, UInt64).self)
            guard bits == standard, made == probe, made.utf8.count == probe.utf8.count, made.hashValue == probe.hashValue
            else { return false }
        }
        return true
        #else
        return false
        #endif
    }()

    /// The string of `count` (0...15) ASCII bytes: the first eight in `low`, the rest in
    /// `high`, little-endian, every byte past `count` zero. Only when ``isAvailable``.
    @inline(__always)
    static func string(low: UInt64, high: UInt64, count: Int) -> String {
        make(low: low, high: high, count: count)
    }

    /// The discriminator of an ASCII small string (top nibble 0xE) with its count, in the
    /// last byte.
    @inline(__always)
    private static func make(low: UInt64, high: UInt64, count: Int) -> String {
        unsafeBitCast((low, high | (0xE0 | UInt64(truncatingIfNeeded: count)) << 56), to: String.self)
    }
}
