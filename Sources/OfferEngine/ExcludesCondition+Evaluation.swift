extension ExcludesCondition {
    /// Whether `line` is excluded: it has one of the products, variants or tags.
    public func matches(_ line: CartLine) -> Bool {
        (productIds?.contains(line.productId) ?? false)
            || (variantIds?.contains(line.variantId) ?? false)
            || (tags.map { tags in line.tags?.contains(where: tags.contains) ?? false } ?? false)
    }
}
