extension DisplayCriteria {
    /// Whether a `cartContains` condition appears outside any `not`: an upsell needs one,
    /// or it has nothing to replace.
    public var canTrigger: Bool {
        switch self {
        case .all(let conditions): conditions.contains(where: \.canTrigger)
        case .any(let conditions): !conditions.isEmpty && conditions.allSatisfy(\.canTrigger)
        case .cartContains: true
        case .not, .subtotal, .itemCount, .lineCount, .currency, .customer, .attribute, .schedule, .excludes: false
        }
    }

    /// Problems that decoding alone does not catch, each with its path under `path`.
    func problems(at path: String) -> [String] {
        switch self {
        case .all(let conditions), .any(let conditions):
            let key = if case .all = self { "all" } else { "any" }
            if conditions.isEmpty { return ["\(path).\(key): must list at least one condition"] }
            return conditions.enumerated().flatMap { $1.problems(at: "\(path).\(key)[\($0)]") }
        case .not(let condition):
            return condition.problems(at: "\(path).not")
        case .cartContains(let contains):
            return contains.problems(at: "\(path).cartContains")
        case .subtotal(let range):
            let at = "\(path).subtotal"
            if range.gte == nil && range.lt == nil { return ["\(at): give gte, lt or both"] }
            if let low = range.gte, let high = range.lt, low >= high {
                return ["\(at): gte (\(low)) must be below lt (\(high))"]
            }
            return []
        case .itemCount(let range):
            return range.problems(at: "\(path).itemCount")
        case .lineCount(let range):
            return range.problems(at: "\(path).lineCount")
        case .currency(let currencies):
            return currencies.problems(at: "\(path).currency", kind: "an ISO 4217 code such as \"EUR\"", valid: \.isCurrencyCode)
        case .customer(let condition):
            return condition.problems(at: "\(path).customer")
        case .attribute(let condition):
            return condition.problems(at: "\(path).attribute")
        case .schedule(let schedule):
            return schedule.problems(at: "\(path).schedule")
        case .excludes(let exclusion):
            return exclusion.problems(at: "\(path).excludes")
        }
    }
}
