extension ExcludesCondition {
    func problems(at path: String) -> [String] {
        if productIds == nil, variantIds == nil, tags == nil { return ["\(path): give at least one of productIds, variantIds, tags"] }
        return emptyListProblems([("productIds", productIds), ("variantIds", variantIds), ("tags", tags)], at: path)
    }
}
