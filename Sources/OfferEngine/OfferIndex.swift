/// What a `cartContains` selector looks for on a line: a product, variant, collection, tag,
/// product type or vendor.
struct IndexKey: Hashable, Sendable {
    enum Field: UInt8, Sendable { case product, variant, collection, tag, productType, vendor }
    var field: Field
    var value: String
}

extension CartContains {
    /// Keys one of which a line must have to match: those of one selector (a line matches
    /// every selector given), the most specific one given.
    var indexKeys: [IndexKey] {
        let selectors: [(IndexKey.Field, [String]?)] = [
            (.variant, variantIds), (.product, productIds), (.collection, collectionIds),
            (.productType, productTypes), (.vendor, vendors), (.tag, tags),
        ]
        for (field, values) in selectors {
            if let values { return values.map { IndexKey(field: field, value: $0) } }
        }
        return []
    }
}

extension DisplayCriteria {
    /// Index keys such that the criteria can only hold for a cart with a line having one of
    /// them; `nil` when they can hold without any `cartContains` match.
    ///
    /// A `cartContains` needs a matching line; an `all` needs what one of its conditions
    /// needs (the one with the fewest keys); an `any` needs what one of its branches needs,
    /// so only when every branch needs something (their union). `not` and the other
    /// conditions need nothing.
    var requiredIndexKeys: [IndexKey]? {
        switch self {
        case .cartContains(let contains):
            let keys = contains.indexKeys
            return keys.isEmpty ? nil : keys
        case .all(let conditions):
            return conditions.compactMap(\.requiredIndexKeys).min { $0.count < $1.count }
        case .any(let conditions):
            guard !conditions.isEmpty else { return nil }
            var union: [IndexKey] = []
            for condition in conditions {
                guard let keys = condition.requiredIndexKeys else { return nil }
                union += keys
            }
            return union
        case .not, .subtotal, .itemCount, .lineCount, .currency, .customer, .attribute, .schedule, .excludes:
            return nil
        }
    }
}

/// Which offers a cart can possibly satisfy: offers whose criteria require a `cartContains`
/// match are listed under the keys they look for; the others ("unindexed") are always
/// candidates. Every list holds ranks (positions in ``OfferCatalog/offers``) ascending.
///
/// Keys are codes of the catalog's ``CatalogVocabulary``: a cart's lines are coded once per
/// event, and each line value then finds its list by position, without hashing. All lists
/// live in one array, each code naming its range through `starts`.
struct OfferIndex: Sendable {
    /// Every posting list, back to back, by field and then code.
    private let ranks: [Int32]
    /// For field `f` and code `c`, the list is `ranks[starts[base[f] + c] ..< starts[base[f] + c + 1]]`.
    private let starts: [Int32]
    private let base: [Int]
    /// Offers that need no `cartContains` match, ascending.
    private let unindexed: [Int32]
    /// The fields some posting list is under (bit `Field.rawValue`): a cart's values of
    /// other fields are not read.
    private let indexedFields: UInt8
    private let offerCount: Int

    init(offers: [Offer], vocabulary: CatalogVocabulary) {
        let fields: [IndexKey.Field] = [.product, .variant, .collection, .tag, .productType, .vendor]
        var lists: [[[Int32]]] = fields.map { [[Int32]](repeating: [], count: vocabulary.codes(of: $0).count) }
        var unindexed: [Int32] = []
        var indexedFields: UInt8 = 0
        for (rank, offer) in offers.enumerated() {
            guard let keys = offer.displayCriteria.requiredIndexKeys else {
                unindexed.append(Int32(rank))
                continue
            }
            for key in Set(keys) {
                guard let code = vocabulary.code(key.field, key.value) else { preconditionFailure("an index key outside the vocabulary") }
                lists[Int(key.field.rawValue)][Int(code)].append(Int32(rank))
                indexedFields |= 1 << key.field.rawValue
            }
        }
        var ranks: [Int32] = []
        var starts: [Int32] = []
        var base: [Int] = []
        for field in fields {
            base.append(starts.count)
            for list in lists[Int(field.rawValue)] {
                starts.append(Int32(ranks.count))
                ranks += list
            }
            starts.append(Int32(ranks.count))
        }
        self.ranks = ranks
        self.starts = starts
        self.base = base
        self.unindexed = unindexed
        self.indexedFields = indexedFields
        self.offerCount = offers.count
    }

    /// The candidate offers for the lines of `codes`: the ranks of every offer they could
    /// satisfy, ascending and once each, read lazily (the engine stops once the cart's
    /// offers are chosen).
    ///
    /// The indexed candidates are marked in a bit set of the catalog's ranks (a word per
    /// 64 offers), which is then read in order, merged with the unindexed ranks. A loop over
    /// ``Candidates/next()`` keeps the engine's per-offer work out of closures, which would
    /// copy what they capture.
    func candidates(of codes: CartLineCodes) -> Candidates {
        // Marked on the stack; only the words past the first (catalogs of more than 64
        // offers) are copied to an array, so the usual small catalog allocates nothing.
        let words = max((offerCount + 63) / 64, 1)
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: words) { bits in
            bits.initialize(repeating: 0)
            ranks.withUnsafeBufferPointer { ranks in
                starts.withUnsafeBufferPointer { starts in
                    for line in 0..<codes.lineCount {
                        if indexedFields & 1 << IndexKey.Field.product.rawValue != 0 {
                            Self.mark(slot(.product, codes.product(line)), starts, ranks, bits)
                        }
                        if indexedFields & 1 << IndexKey.Field.variant.rawValue != 0 {
                            Self.mark(slot(.variant, codes.variant(line)), starts, ranks, bits)
                        }
                        if indexedFields & 1 << IndexKey.Field.collection.rawValue != 0 {
                            for position in codes.collections(line) {
                                Self.mark(slot(.collection, codes.code(at: position)), starts, ranks, bits)
                            }
                        }
                        if indexedFields & 1 << IndexKey.Field.tag.rawValue != 0 {
                            for position in codes.tags(line) { Self.mark(slot(.tag, codes.code(at: position)), starts, ranks, bits) }
                        }
                        if indexedFields & 1 << IndexKey.Field.productType.rawValue != 0 {
                            Self.mark(slot(.productType, codes.productType(line)), starts, ranks, bits)
                        }
                        if indexedFields & 1 << IndexKey.Field.vendor.rawValue != 0 {
                            Self.mark(slot(.vendor, codes.vendor(line)), starts, ranks, bits)
                        }
                    }
                }
            }
            let rest = words > 2 ? Array(UnsafeBufferPointer(rebasing: bits[2...])) : []
            return Candidates(first: bits[0], second: words > 1 ? bits[1] : 0, rest: rest, wordCount: words, unindexed: unindexed)
        }
    }

    /// Where the posting list of `code` in `field` starts in `starts`; `nil` for `-1`.
    @inline(__always)
    private func slot(_ field: IndexKey.Field, _ code: Int32) -> Int? {
        code < 0 ? nil : base[Int(field.rawValue)] + Int(code)
    }

    /// Marks the ranks of the posting list at `slot`.
    @inline(__always)
    private static func mark(
        _ slot: Int?, _ starts: UnsafeBufferPointer<Int32>, _ ranks: UnsafeBufferPointer<Int32>, _ bits: UnsafeMutableBufferPointer<UInt64>
    ) {
        guard let slot else { return }
        for position in Int(starts[slot])..<Int(starts[slot + 1]) {
            let rank = Int(ranks[position])
            bits[rank >> 6] |= 1 << UInt64(rank & 63)
        }
    }

    /// Calls `body` with each of ``candidates(of:)``'s ranks until it returns `false`.
    func forEachCandidate(of codes: CartLineCodes, _ body: (Int) -> Bool) {
        var candidates = candidates(of: codes)
        while let rank = candidates.next(), body(rank) {}
    }

    /// A cart's candidate ranks, ascending: the marked bits merged with the unindexed ranks.
    struct Candidates: IteratorProtocol {
        /// The bit set's second word, and those after it (catalogs of up to 128 offers, the
        /// usual size, need no array).
        private let second: UInt64
        private let rest: [UInt64]
        private let wordCount: Int
        private let unindexed: [Int32]
        /// The word being read and its bits not read yet.
        private var word = 0
        private var pending: UInt64
        private var nextUnindexed = 0

        fileprivate init(first: UInt64, second: UInt64, rest: [UInt64], wordCount: Int, unindexed: [Int32]) {
            self.second = second
            self.rest = rest
            self.wordCount = wordCount
            self.unindexed = unindexed
            pending = first
        }

        mutating func next() -> Int? {
            while pending == 0, word + 1 < wordCount {
                word += 1
                pending = word == 1 ? second : rest[word - 2]
            }
            let indexed = pending == 0 ? Int.max : word << 6 | pending.trailingZeroBitCount
            if nextUnindexed < unindexed.count, Int(unindexed[nextUnindexed]) < indexed {
                nextUnindexed += 1
                return Int(unindexed[nextUnindexed - 1])
            }
            guard indexed != Int.max else { return nil }
            pending &= pending - 1
            return indexed
        }
    }
}
