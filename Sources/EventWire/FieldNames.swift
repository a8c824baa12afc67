/// The field names of one event type, packed for matching a key in a few word compares.
///
/// Names are ASCII without K, ; or `, the only ASCII characters with a canonically
/// equivalent other spelling, so comparing bytes is comparing them as Swift strings (as
/// Foundation's keyed container does).
struct FieldNames: Sendable {
    /// Each name's length and first 16 bytes, zero-padded, in declaration order.
    private let packed: [(count: Int, low: UInt64, high: UInt64)]

    init(_ names: [StaticString]) {
        packed = names.map { name in
            precondition(name.utf8CodeUnitCount <= 16, "field names are at most 16 bytes")
            let (low, high) = Self.pack(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            return (name.utf8CodeUnitCount, low, high)
        }
    }

    /// The declaration order of the field `key` names; nil for any other key.
    func order(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        guard key.count <= 16 else { return nil }
        let (low, high) = Self.pack(key)
        for order in packed.indices {
            let name = packed[order]
            if name.low == low, name.high == high, name.count == key.count { return order }
        }
        return nil
    }

    @inline(__always)
    private static func pack(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        var low: UInt64 = 0
        var high: UInt64 = 0
        for index in 0..<min(bytes.count, 8) { low |= UInt64(bytes[index]) << (8 * index) }
        for index in min(bytes.count, 8)..<bytes.count { high |= UInt64(bytes[index]) << (8 * (index - 8)) }
        return (low, high)
    }
}
