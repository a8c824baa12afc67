/// The codes of one field of a ``CatalogVocabulary``, looked up by a value's UTF-8 bytes
/// where that gives `Dictionary<String, Int32>`'s answer, and through the dictionary
/// otherwise.
///
/// A cart event looks up every value of every line; hashing a `String` (SipHash through
/// `Hasher`) and comparing it cost several hundred instructions per lookup. Short ASCII
/// values, the usual ids, are instead packed into two words and found in an open-addressing
/// table by comparing the words.
///
/// The rule, so answers stay those of `Dictionary<String, _>`, which compares by canonical
/// equivalence:
/// - Two ASCII strings are canonically equivalent exactly when their bytes are equal, so the
///   table answers an ASCII value of at most ``maximumLength`` bytes, and only when every key
///   of the field is ASCII (a key of at most that length is in the table; a longer one cannot
///   equal such a value).
/// - A non-ASCII value can equal an ASCII key (U+212A KELVIN SIGN is `K`, U+037E GREEK
///   QUESTION MARK is `;`, U+1FEF GREEK VARIA is `` ` ``), and a non-ASCII key an ASCII
///   value: a non-ASCII value, a longer value, or any value when some key is not ASCII, is
///   looked up in the dictionary.
struct VocabularyTable: Sendable {
    /// The longest value the table answers: its bytes and its length fit in two words.
    static let maximumLength = 15

    /// The field's values and their codes, as numbered.
    let dictionary: [String: Int32]
    /// Open addressing, linear probing; a slot with code `-1` is empty. Empty (and unused)
    /// when some key is not ASCII.
    private let slots: [Slot]
    private let mask: Int

    private struct Slot: Sendable {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var code: Int32 = -1
    }

    init(_ dictionary: [String: Int32]) {
        self.dictionary = dictionary
        var keys: [(low: UInt64, high: UInt64, code: Int32)] = []
        var allASCII = true
        for (key, code) in dictionary {
            switch Self.packed(key) {
            case .packed(let low, let high): keys.append((low, high, code))
            case .tooLong: continue
            case .notASCII: allASCII = false
            }
        }
        guard allASCII, !dictionary.isEmpty else {
            slots = []
            mask = 0
            return
        }
        var capacity = 8
        while capacity < 2 * keys.count { capacity *= 2 }
        var slots = [Slot](repeating: Slot(), count: capacity)
        for key in keys {
            var index = Self.hash(key.low, key.high) & (capacity - 1)
            while slots[index].code >= 0 { index = (index + 1) & (capacity - 1) }
            slots[index] = Slot(low: key.low, high: key.high, code: key.code)
        }
        self.slots = slots
        mask = capacity - 1
    }

    /// `dictionary[value]`.
    @inline(__always)
    func code(_ value: String) -> Int32? {
        guard !slots.isEmpty else { return dictionary[value] }
        switch Self.packed(value) {
        case .packed(let low, let high):
            return slots.withUnsafeBufferPointer { slots in
                var index = Self.hash(low, high) & mask
                while true {
                    let slot = slots[index]
                    if slot.code < 0 { return nil }
                    if slot.low == low, slot.high == high { return slot.code }
                    index = (index + 1) & mask
                }
            }
        case .tooLong, .notASCII:
            return dictionary[value]
        }
    }

    /// `value`'s bytes and length packed into two words when it is ASCII and at most
    /// ``maximumLength`` bytes long, `nil` otherwise. Two packable strings are equal
    /// (`String ==`, canonical equivalence) exactly when their packings are.
    @inline(__always)
    static func packedASCII(_ value: String) -> (low: UInt64, high: UInt64)? {
        guard case .packed(let low, let high) = packed(value) else { return nil }
        return (low, high)
    }

    /// A value as the table keys it.
    private enum Packing {
        /// Bytes 0–7 in `low`, bytes 8–14 in `high` (little-endian, zero-padded), the length
        /// in `high`'s top byte (so `"a"` and `"a\0"` differ).
        case packed(low: UInt64, high: UInt64)
        case tooLong
        case notASCII
    }

    @inline(__always)
    private static func packed(_ value: String) -> Packing {
        let utf8 = value.utf8
        let count = utf8.count
        guard count <= maximumLength else { return .tooLong }
        let words = utf8.withContiguousStorageIfAvailable { bytes -> (UInt64, UInt64) in
            var low: UInt64 = 0
            var high = UInt64(truncatingIfNeeded: count) << 56
            for index in 0..<min(count, 8) { low |= UInt64(bytes[index]) << (8 * UInt64(index)) }
            if count > 8 {
                for index in 8..<count { high |= UInt64(bytes[index]) << (8 * UInt64(index - 8)) }
            }
            return (low, high)
        }
        guard let (low, high) = words else { return .notASCII }  // not contiguous: let the dictionary answer
        // The length byte is at most 15: only a value's own bytes can set a top bit.
        guard (low | high) & 0x8080_8080_8080_8080 == 0 else { return .notASCII }
        return .packed(low: low, high: high)
    }

    @inline(__always)
    private static func hash(_ low: UInt64, _ high: UInt64) -> Int {
        var mixed = (low ^ (high &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9
        mixed ^= mixed >> 31
        return Int(truncatingIfNeeded: mixed)
    }
}
