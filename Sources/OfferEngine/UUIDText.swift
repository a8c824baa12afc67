/// The canonical text of a UUID (36 characters: lower-case hex digits, dashes after the
/// 4th, 6th, 8th and 10th byte) to and from its 16 bytes.
///
/// Every cart event formats and parses a few of these (presentation ids in the stored state
/// and the ids the engine derives), so both directions are written out group by group,
/// without per-character position checks.
enum UUIDText {
    /// The text length.
    static let count = 36

    /// The groups of the text as (first byte, byte count); a dash precedes every group
    /// but the first.
    @inline(__always)
    private static func forEachGroup(_ body: (_ firstByte: Int, _ byteCount: Int) -> Void) {
        body(0, 4)
        body(4, 2)
        body(6, 2)
        body(8, 2)
        body(10, 6)
    }

    /// The canonical text of the first 16 bytes of `bytes`.
    static func format(_ bytes: UnsafeRawBufferPointer) -> String {
        precondition(bytes.count >= 16, "a UUID has 16 bytes")
        return String(unsafeUninitializedCapacity: count) { text in
            var position = 0
            forEachGroup { first, byteCount in
                if first > 0 {
                    text[position] = UInt8(ascii: "-")
                    position += 1
                }
                for index in first..<first + byteCount {
                    let byte = bytes[index]
                    text[position] = hexDigit(byte >> 4)
                    text[position + 1] = hexDigit(byte & 0x0F)
                    position += 2
                }
            }
            return position
        }
    }

    /// The 128 bits (first byte most significant) of `text` if it is a UUID in canonical
    /// form; `nil` for any other text, upper-case hex included.
    static func parse(_ text: String) -> UInt128? {
        var text = text
        return text.withUTF8 { parse($0) }
    }

    /// ``parse(_:)`` of UTF-8 bytes.
    static func parse(_ utf8: UnsafeBufferPointer<UInt8>) -> UInt128? {
        guard utf8.count == count,
              utf8[8] == UInt8(ascii: "-"), utf8[13] == UInt8(ascii: "-"),
              utf8[18] == UInt8(ascii: "-"), utf8[23] == UInt8(ascii: "-") else { return nil }
        // Each half in 64 bits (cheaper to shift than 128); `invalid` collects the
        // out-of-range bit of every digit, so the loops have no early exits.
        var invalid: UInt8 = 0
        @inline(__always) func hex(_ range: Range<Int>, into value: inout UInt64) {
            for index in range {
                let nibble = nibble(utf8[index])
                invalid |= nibble
                value = value << 4 | UInt64(nibble & 0x0F)
            }
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        hex(0..<8, into: &high)
        hex(9..<13, into: &high)
        hex(14..<18, into: &high)
        hex(19..<23, into: &low)
        hex(24..<36, into: &low)
        return invalid & 0xF0 == 0 ? UInt128(high) << 64 | UInt128(low) : nil
    }

    /// The value of a lower-case hex digit, or 16 for any other byte.
    @inline(__always)
    private static func nibble(_ character: UInt8) -> UInt8 {
        let digit = character &- UInt8(ascii: "0")
        let letter = character &- UInt8(ascii: "a")
        return digit < 10 ? digit : letter < 6 ? letter &+ 10 : 16
    }

    /// The lower-case hex digit of a nibble.
    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &- 10 &+ nibble
    }
}
