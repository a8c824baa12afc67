/// A set of a cart's lines, by their index in `CartUpdated.lines`: what criteria matched,
/// as bits instead of a `Set` of line ids, so evaluating a condition allocates nothing.
/// Carts of up to 64 lines fit in one word; larger ones (up to the event limit of a few
/// hundred lines) spill into an array.
struct LineSet: Sendable {
    /// Lines 0..<64.
    private var low: UInt64 = 0
    /// Lines 64 and up, 64 to a word; `nil` (nothing to retain when copied) until needed.
    private var high: [UInt64]?

    init() {}

    var isEmpty: Bool { low == 0 && (high?.allSatisfy { $0 == 0 } ?? true) }

    func contains(_ index: Int) -> Bool {
        if index < 64 { return low & (1 << UInt64(index)) != 0 }
        let word = index / 64 - 1
        guard let high, word < high.count else { return false }
        return high[word] & (1 << UInt64(index % 64)) != 0
    }

    mutating func insert(_ index: Int) {
        if index < 64 {
            low |= 1 << UInt64(index)
            return
        }
        let word = index / 64 - 1
        var words = high ?? []
        high = nil
        if word >= words.count { words += repeatElement(0, count: word + 1 - words.count) }
        words[word] |= 1 << UInt64(index % 64)
        high = words
    }

    mutating func formUnion(_ other: LineSet) {
        low |= other.low
        guard let otherHigh = other.high else { return }
        var words = high ?? []
        high = nil
        if otherHigh.count > words.count { words += repeatElement(0, count: otherHigh.count - words.count) }
        for (word, bits) in otherHigh.enumerated() { words[word] |= bits }
        high = words
    }

    /// Calls `body` with each index in the set, ascending.
    func forEach(_ body: (Int) throws -> Void) rethrows {
        try Self.forEachBit(of: low, offset: 0, body)
        guard let high else { return }
        for (word, bits) in high.enumerated() { try Self.forEachBit(of: bits, offset: (word + 1) * 64, body) }
    }

    private static func forEachBit(of word: UInt64, offset: Int, _ body: (Int) throws -> Void) rethrows {
        var bits = word
        while bits != 0 {
            try body(offset + bits.trailingZeroBitCount)
            bits &= bits - 1
        }
    }
}
