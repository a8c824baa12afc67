extension CartContains {
    /// Whether `line` satisfies every selector.
    public func matches(_ line: CartLine) -> Bool {
        Self.overlaps(productIds, line.productId)
            && Self.overlaps(variantIds, line.variantId)
            && Self.overlaps(collectionIds, line.collectionIds)
            && Self.overlaps(tags, line.tags)
            && Self.overlaps(productTypes, line.productType)
            && Self.overlaps(vendors, line.vendor)
    }

    /// The matched lines when the condition holds, `nil` when it does not.
    public func matchedLines(in lines: [CartLine]) -> [CartLine]? {
        guard let matched = matchedLineSet(in: lines) else { return nil }
        var result: [CartLine] = []
        matched.forEach { result.append(lines[$0]) }
        return result
    }

    /// The lines matched when the condition holds, `nil` when it does not: every line
    /// satisfying the selectors, which with `match: all` must between them have every listed
    /// product and variant, and whose quantities must add up to the bounds. Allocates nothing
    /// for carts of up to 64 lines.
    func matchedLineSet(in lines: [CartLine]) -> LineSet? {
        var matched = LineSet()
        var quantity = 0
        var any = false
        for (index, line) in lines.enumerated() where matches(line) {
            matched.insert(index)
            quantity = CartFacts.saturatingSum(quantity, line.quantity)
            any = true
        }
        guard any else { return nil }
        if match == .all {
            if let productIds, !productIds.allSatisfy({ id in Self.some(of: matched, in: lines) { $0.productId == id } }) {
                return nil
            }
            if let variantIds, !variantIds.allSatisfy({ id in Self.some(of: matched, in: lines) { $0.variantId == id } }) {
                return nil
            }
        }
        guard quantity >= (minQuantity ?? 1), maxQuantity.map({ quantity <= $0 }) ?? true else { return nil }
        return matched
    }

    /// Whether some line in `set` satisfies `predicate`.
    private static func some(of set: LineSet, in lines: [CartLine], _ predicate: (CartLine) -> Bool) -> Bool {
        var found = false
        set.forEach { if !found, predicate(lines[$0]) { found = true } }
        return found
    }

    /// Whether a selector (`nil`: not given, any line will do) lists `value`.
    private static func overlaps(_ wanted: [String]?, _ value: String) -> Bool {
        guard let wanted else { return true }
        return wanted.contains(value)
    }

    /// Whether a selector lists `value`; a line without the field matches no given selector.
    private static func overlaps(_ wanted: [String]?, _ value: String?) -> Bool {
        guard let wanted else { return true }
        guard let value else { return false }
        return wanted.contains(value)
    }

    /// Whether a selector lists one of `values`.
    private static func overlaps(_ wanted: [String]?, _ values: [String]?) -> Bool {
        guard let wanted else { return true }
        guard let values else { return false }
        return values.contains(where: wanted.contains)
    }
}
