extension CustomerCondition {
    func problems(at path: String) -> [String] {
        if tags == nil, country == nil, ordersCount == nil, returning == nil, signedIn == nil {
            return ["\(path): give at least one of tags, country, ordersCount, returning, signedIn"]
        }
        var problems: [String] = []
        if let tags { problems += tags.problems(at: "\(path).tags") }
        if let country {
            problems += country.problems(at: "\(path).country", kind: "an ISO 3166-1 alpha-2 code such as \"DE\"", valid: \.isCountryCode)
        }
        if let ordersCount { problems += ordersCount.problems(at: "\(path).ordersCount") }
        return problems
    }
}
