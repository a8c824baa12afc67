extension TagCondition {
    func problems(at path: String) -> [String] {
        if anyOf == nil, allOf == nil, noneOf == nil { return ["\(path): give at least one of any, all, none"] }
        return emptyListProblems([("any", anyOf), ("all", allOf), ("none", noneOf)], at: path)
    }
}
