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
/// All lists live in one array, each key naming its range: a cart's lookups collect
/// ranges, not arrays, so visiting candidates retains and allocates nothing per list.
struct OfferIndex: Sendable {
    /// Every posting list, back to back; the unindexed ranks first.
    private let ranks: [Int32]
    private let postings: [IndexKey: Range<Int>]
    private let unindexed: Range<Int>
    /// The fields some posting list is under (bit `Field.rawValue`): a cart's values of
    /// other fields are not looked up, which saves most lookups of a catalog that selects by
    /// product only.
    private let indexedFields: UInt8

    init(offers: [Offer]) {
        var lists: [IndexKey: [Int32]] = [:]
        var unindexed: [Int32] = []
        var fields: UInt8 = 0
        for (rank, offer) in offers.enumerated() {
            guard let keys = offer.displayCriteria.requiredIndexKeys else {
                unindexed.append(Int32(rank))
                continue
            }
            for key in Set(keys) {
                lists[key, default: []].append(Int32(rank))
                fields |= 1 << key.field.rawValue
            }
        }
        var ranks = unindexed
        var postings: [IndexKey: Range<Int>] = [:]
        postings.reserveCapacity(lists.count)
        for (key, list) in lists {
            postings[key] = ranks.count..<ranks.count + list.count
            ranks += list
        }
        self.ranks = ranks
        self.postings = postings
        self.unindexed = 0..<unindexed.count
        self.indexedFields = fields
    }

    /// Calls `body` with the rank of every candidate offer for `lines`, ascending and once
    /// each, until it returns `false`. Lazy: a k-way merge of the lines' posting lists, so
    /// stopping early (the top N are found) skips the rest.
    func forEachCandidate(of lines: [CartLine], _ body: (Int) -> Bool) {
        // The unread part of each list that has one, as a range of `ranks`.
        var heap: [Range<Int>] = []
        heap.reserveCapacity(lines.count * 2 + 1)
        if !unindexed.isEmpty { heap.append(unindexed) }
        func add(_ field: IndexKey.Field, _ value: String) {
            guard indexedFields & 1 << field.rawValue != 0 else { return }
            if let list = postings[IndexKey(field: field, value: value)] { heap.append(list) }
        }
        for line in lines {
            add(.product, line.productId)
            add(.variant, line.variantId)
            for collection in line.collectionIds ?? [] { add(.collection, collection) }
            for tag in line.tags ?? [] { add(.tag, tag) }
            if let productType = line.productType { add(.productType, productType) }
            if let vendor = line.vendor { add(.vendor, vendor) }
        }
        ranks.withUnsafeBufferPointer { ranks in
            if heap.count == 1 {
                for position in heap[0] where !body(Int(ranks[position])) { return }
                return
            }
            // A binary min-heap of list heads (lists are never empty).
            func less(_ a: Int, _ b: Int) -> Bool { ranks[heap[a].lowerBound] < ranks[heap[b].lowerBound] }
            func siftDown(_ start: Int) {
                var parent = start
                while true {
                    let left = 2 * parent + 1, right = left + 1
                    var smallest = parent
                    if left < heap.count, less(left, smallest) { smallest = left }
                    if right < heap.count, less(right, smallest) { smallest = right }
                    if smallest == parent { return }
                    heap.swapAt(parent, smallest)
                    parent = smallest
                }
            }
            for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
            var last: Int32 = -1
            while let head = heap.first {
                let top = ranks[head.lowerBound]
                heap[0] = head.lowerBound + 1..<head.upperBound
                if heap[0].isEmpty {
                    heap.swapAt(0, heap.count - 1)
                    heap.removeLast()
                }
                if !heap.isEmpty { siftDown(0) }
                if top == last { continue }
                last = top
                if !body(Int(top)) { return }
            }
        }
    }
}
