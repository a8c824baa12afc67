extension TagCondition {
    public func matches(_ tags: [String]) -> Bool {
        (anyOf.map { $0.contains(where: tags.contains) } ?? true)
            && (allOf.map { $0.allSatisfy(tags.contains) } ?? true)
            && (noneOf.map { !$0.contains(where: tags.contains) } ?? true)
    }
}
