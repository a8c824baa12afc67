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

    /// Calls `body` with the rank of every candidate offer for the lines of `codes`,
    /// ascending and once each, until it returns `false`.
    ///
    /// The indexed candidates are marked in a bit set of the catalog's ranks (a word per 64
    /// offers, on the stack when small), then read in order,
    /// merged with the unindexed ranks.
    func forEachCandidate(of codes: CartLineCodes, _ body: (Int) -> Bool) {
        let words = (offerCount + 63) / 64
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: max(words, 1)) { bits in
            bits.initialize(repeating: 0)
            var marked = false
            ranks.withUnsafeBufferPointer { ranks in
                starts.withUnsafeBufferPointer { starts in
                    func mark(_ field: IndexKey.Field, _ code: Int32) {
                        guard code >= 0 else { return }
                        let slot = base[Int(field.rawValue)] + Int(code)
                        for position in Int(starts[slot])..<Int(starts[slot + 1]) {
                            let rank = Int(ranks[position])
                            bits[rank >> 6] |= 1 << UInt64(rank & 63)
                            marked = true
                        }
                    }
                    for line in 0..<codes.lineCount {
                        if indexedFields & 1 << IndexKey.Field.product.rawValue != 0 { mark(.product, codes.product(line)) }
                        if indexedFields & 1 << IndexKey.Field.variant.rawValue != 0 { mark(.variant, codes.variant(line)) }
                        if indexedFields & 1 << IndexKey.Field.collection.rawValue != 0 {
                            for position in codes.collections(line) { mark(.collection, codes.code(at: position)) }
                        }
                        if indexedFields & 1 << IndexKey.Field.tag.rawValue != 0 {
                            for position in codes.tags(line) { mark(.tag, codes.code(at: position)) }
                        }
                        if indexedFields & 1 << IndexKey.Field.productType.rawValue != 0 { mark(.productType, codes.productType(line)) }
                        if indexedFields & 1 << IndexKey.Field.vendor.rawValue != 0 { mark(.vendor, codes.vendor(line)) }
                    }
                }
            }
            unindexed.withUnsafeBufferPointer { unindexed in
                var next = 0
                if marked {
                    for word in 0..<words {
                        var set = bits[word]
                        while set != 0 {
                            let rank = word << 6 | set.trailingZeroBitCount
                            set &= set - 1
                            while next < unindexed.count, Int(unindexed[next]) < rank {
                                guard body(Int(unindexed[next])) else { return }
                                next += 1
                            }
                            guard body(rank) else { return }
                        }
                    }
                }
                while next < unindexed.count {
                    guard body(Int(unindexed[next])) else { return }
                    next += 1
                }
            }
        }
    }
}
