extension CartContains {
    var hasSelector: Bool {
        productIds != nil || variantIds != nil || collectionIds != nil || tags != nil || productTypes != nil || vendors != nil
    }

    func problems(at path: String) -> [String] {
        var problems: [String] = []
        if !hasSelector {
            problems.append("\(path): give at least one of productIds, variantIds, collectionIds, tags, productTypes, vendors")
        }
        problems += emptyListProblems([
            ("productIds", productIds), ("variantIds", variantIds), ("collectionIds", collectionIds), ("tags", tags),
            ("productTypes", productTypes), ("vendors", vendors),
        ], at: path)
        if let minimum = minQuantity, minimum < 1 {
            problems.append("\(path).minQuantity: must be at least 1 (got \(minimum))")
        }
        if let maximum = maxQuantity, maximum < 1 {
            problems.append("\(path).maxQuantity: must be at least 1 (got \(maximum))")
        }
        if let minimum = minQuantity, let maximum = maxQuantity, minimum >= 1, maximum >= 1, minimum > maximum {
            problems.append("\(path): minQuantity (\(minimum)) must not be above maxQuantity (\(maximum))")
        }
        if match == .all, productIds == nil, variantIds == nil {
            problems.append("\(path).match: \"all\" needs productIds or variantIds")
        }
        return problems
    }
}
