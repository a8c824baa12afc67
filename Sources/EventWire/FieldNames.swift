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
    /// A name's first 16 bytes, zero-padded, its length and its declaration order; and the
    /// bytes of the member's head as compact JSON writes it (`"name":`) in three words, with
    /// masks for its length.
    private struct Entry {
        var low: UInt64
        var high: UInt64
        var count: Int
        var order: Int
        var head: (UInt64, UInt64, UInt64)
        var headMask: (UInt64, UInt64, UInt64)
        var headCount: Int
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
            let bytes = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
            let (low, high) = Self.pack(bytes)
            let head = [UInt8.quote] + Array(bytes) + [UInt8.quote, .colon]
            var words: [UInt64] = [0, 0, 0]
            var masks: [UInt64] = [0, 0, 0]
            for (index, byte) in head.enumerated() {
                words[index / 8] |= UInt64(byte) << (8 * (index % 8))
                masks[index / 8] |= 0xFF << (8 * (index % 8))
            }
            return Entry(
                low: low, high: high, count: bytes.count, order: order, head: (words[0], words[1], words[2]),
                headMask: (masks[0], masks[1], masks[2]), headCount: head.count)
        }
    }

    /// The declaration order of the field expected next (the one after `hint` in sorted
    /// order) and the length of its head, when the bytes at `position` are that head written
    /// compactly (`"name":`), as sorted-key encoders write; `nil` otherwise (then
    /// ``order(low:high:count:hint:)`` reads the key). Three word compares instead of
    /// scanning the key: most members of most documents take this path.
    @inline(__always)
    func expectedHead(at position: UnsafePointer<UInt8>, available: Int, hint: inout Int) -> (order: Int, count: Int)? {
        let words = Self.words(at: position, available: available)
        return entries.withUnsafeBufferPointer { entries in
            let slot = hint < entries.count ? hint : 0
            let entry = entries[slot]
            guard words.0 & entry.headMask.0 == entry.head.0, words.1 & entry.headMask.1 == entry.head.1,
                  words.2 & entry.headMask.2 == entry.head.2
            else { return nil }
            hint = slot + 1
            return (entry.order, entry.headCount)
        }
    }

    /// The 24 bytes at `position` as three little-endian words, zero past the `available`
    /// ones (a head never matches bytes that are not there: every head byte is non-zero).
    @inline(__always)
    private static func words(at position: UnsafePointer<UInt8>, available: Int) -> (UInt64, UInt64, UInt64) {
        if available >= 24 {
            let raw = UnsafeRawPointer(position)
            return (UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)),
                    UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                    UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
        }
        return shortWords(at: position, available: available)
    }

    @inline(never)
    private static func shortWords(at position: UnsafePointer<UInt8>, available: Int) -> (UInt64, UInt64, UInt64) {
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &words) { $0.baseAddress!.copyMemory(from: position, byteCount: max(0, available)) }
        return (UInt64(littleEndian: words.0), UInt64(littleEndian: words.1), UInt64(littleEndian: words.2))
    }

    /// The declaration order of the first field at or after sorted position `from` whose
    /// compact head (`"name":`) the bytes at `position` are, its head's length and its
    /// sorted position; `nil` for anything else. For readers of documents whose members come
    /// in sorted order, some of them absent.
    @inline(__always)
    func head(at position: UnsafePointer<UInt8>, available: Int, from: Int) -> (order: Int, count: Int, slot: Int)? {
        let words = Self.words(at: position, available: available)
        return entries.withUnsafeBufferPointer { entries in
            var slot = from
            while slot < entries.count {
                let entry = entries[slot]
                if words.0 & entry.headMask.0 == entry.head.0, words.1 & entry.headMask.1 == entry.head.1,
                   words.2 & entry.headMask.2 == entry.head.2 {
                    return (entry.order, entry.headCount, slot)
                }
                slot += 1
            }
            return nil
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
