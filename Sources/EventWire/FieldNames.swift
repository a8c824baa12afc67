/// The field names of one event type, packed for matching a key in a few word compares.
///
/// Names are ASCII without K, ; or `, the only ASCII characters with a canonically
/// equivalent other spelling, so comparing bytes is comparing them as Swift strings (as
/// Foundation's keyed container does).
///
/// The names are kept sorted by their bytes, the order in which encoders with sorted keys
/// (`EventCodec`, Foundation's `.sortedKeys`) write them: a reader passes the position after
/// the previous match as a hint, so a key of such a document matches at the first compare.
/// Any other order still matches, by going round the table.
struct FieldNames: Sendable {
    /// A name's first 16 bytes, zero-padded, its length and its declaration order.
    private struct Entry {
        var low: UInt64
        var high: UInt64
        var count: Int
        var order: Int
    }

    /// Sorted by name bytes.
    private let entries: [Entry]

    init(_ names: [StaticString]) {
        let sorted = names.indices.sorted { first, second in
            let a = UnsafeBufferPointer(start: names[first].utf8Start, count: names[first].utf8CodeUnitCount)
            let b = UnsafeBufferPointer(start: names[second].utf8Start, count: names[second].utf8CodeUnitCount)
            return a.lexicographicallyPrecedes(b)
        }
        entries = sorted.map { order in
            let name = names[order]
            precondition(name.utf8CodeUnitCount <= 16, "field names are at most 16 bytes")
            let (low, high) = Self.pack(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            return Entry(low: low, high: high, count: name.utf8CodeUnitCount, order: order)
        }
    }

    /// The declaration order of the field named by the key packed as `low`, `high` (as
    /// ``pack(_:)`` packs it) and `count` bytes; nil for any other key. The search starts at
    /// `hint`, which is left after the match.
    @inline(__always)
    func order(low: UInt64, high: UInt64, count: Int, hint: inout Int) -> Int? {
        guard count <= 16 else { return nil }
        return entries.withUnsafeBufferPointer { entries in
            let total = entries.count
            var position = hint < total ? hint : 0
            for _ in 0..<total {
                let entry = entries[position]
                if entry.low == low, entry.high == high, entry.count == count {
                    hint = position + 1
                    return entry.order
                }
                position = position + 1 == total ? 0 : position + 1
            }
            return nil
        }
    }

    /// The declaration order of the field `key` names; nil for any other key.
    func order(of key: UnsafeBufferPointer<UInt8>, hint: inout Int) -> Int? {
        guard key.count <= 16 else { return nil }
        let (low, high) = Self.pack(key)
        return order(low: low, high: high, count: key.count, hint: &hint)
    }

    /// The first 16 bytes, little-endian, zero-padded.
    static func pack(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        var low: UInt64 = 0
        var high: UInt64 = 0
        for index in 0..<min(bytes.count, 8) { low |= UInt64(bytes[index]) << (8 * index) }
        for index in min(bytes.count, 8)..<min(bytes.count, 16) { high |= UInt64(bytes[index]) << (8 * (index - 8)) }
        return (low, high)
    }
}
