extension CountRange {
    func problems(at path: String) -> [String] {
        if gte == nil && lt == nil { return ["\(path): give gte, lt or both"] }
        var problems: [String] = []
        if let gte, gte < 0 { problems.append("\(path).gte: must not be negative (got \(gte))") }
        if let lt, lt < 1 { problems.append("\(path).lt: must be at least 1 (got \(lt))") }
        if let low = gte, let high = lt, low >= high { problems.append("\(path): gte (\(low)) must be below lt (\(high))") }
        return problems
    }
}
