extension CartLine {
    /// Whether no two of `lines` share a `lineId`, compared as Swift strings are (canonical
    /// equivalence, as `Set<String>` compares): the rule `CartUpdated.problems(limits:)`
    /// states, which the hot-path codec checks and the engine relies on.
    ///
    /// Short ASCII ids (the usual case) are compared as packed words, which are equal exactly
    /// when the strings are; any other id sends the whole check to `String ==`, since a
    /// non-ASCII id can equal an ASCII one (the Kelvin sign is `K`).
    public static func idsAreUnique(_ lines: [CartLine]) -> Bool {
        if lines.count <= 32, let unique = packedIdsAreUnique(lines) { return unique }
        if lines.count > 32 {
            var seen = Set<String>(minimumCapacity: lines.count)
            return lines.allSatisfy { seen.insert($0.lineId).inserted }
        }
        for later in lines.indices {
            for earlier in 0..<later where lines[earlier].lineId == lines[later].lineId { return false }
        }
        return true
    }

    /// ``idsAreUnique(_:)`` on packed words (see ``VocabularyTable/packedASCII(_:)``); `nil`
    /// when some id is not short ASCII.
    private static func packedIdsAreUnique(_ lines: [CartLine]) -> Bool? {
        withUnsafeTemporaryAllocation(of: (low: UInt64, high: UInt64).self, capacity: lines.count) { packed -> Bool? in
            lines.withUnsafeBufferPointer { lines -> Bool? in
                for index in lines.indices {
                    guard let words = VocabularyTable.packedASCII(lines[index].lineId) else { return nil }
                    for earlier in 0..<index where packed[earlier] == words { return false }
                    packed[index] = words
                }
                return true
            }
        }
    }
}
