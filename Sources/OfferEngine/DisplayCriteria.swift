/// When an offer is shown: a rule tree over the cart's contents and totals.
///
/// JSON: an object with exactly one key, for example
/// `{"all":[{"cartContains":{"productIds":["phone-std"]}},{"not":{"subtotal":{"gte":"5000.00"}}}]}`.
public indirect enum DisplayCriteria: Sendable, Hashable {
    /// Every condition holds.
    case all([DisplayCriteria])
    /// At least one condition holds.
    case any([DisplayCriteria])
    /// The condition does not hold. Lines it matches never trigger the offer.
    case not(DisplayCriteria)
    /// The cart holds matching lines.
    case cartContains(CartContains)
    /// The cart's subtotal is in a range.
    case subtotal(AmountRange)
}

/// Matches cart lines. A line matches when it satisfies every selector given (a selector
/// lists alternatives: any of its ids or tags will do); the condition holds when the matched
/// lines' quantities add up to at least `minQuantity` (default 1).
public struct CartContains: Codable, Sendable, Hashable {
    public var productIds: [String]?
    public var variantIds: [String]?
    public var collectionIds: [String]?
    public var tags: [String]?
    public var minQuantity: Int?

    public init(productIds: [String]? = nil, variantIds: [String]? = nil, collectionIds: [String]? = nil, tags: [String]? = nil, minQuantity: Int? = nil) {
        self.productIds = productIds
        self.variantIds = variantIds
        self.collectionIds = collectionIds
        self.tags = tags
        self.minQuantity = minQuantity
    }

    /// Whether `line` satisfies every selector.
    public func matches(_ line: CartLine) -> Bool {
        func overlaps(_ wanted: [String]?, _ values: [String]) -> Bool {
            guard let wanted else { return true }
            return values.contains { wanted.contains($0) }
        }
        return overlaps(productIds, [line.productId])
            && overlaps(variantIds, [line.variantId])
            && overlaps(collectionIds, line.collectionIds ?? [])
            && overlaps(tags, line.tags ?? [])
    }

    var hasSelector: Bool { productIds != nil || variantIds != nil || collectionIds != nil || tags != nil }
}

/// A half-open range of amounts: `gte` ≤ amount < `lt`; either bound may be absent.
public struct AmountRange: Codable, Sendable, Hashable {
    public var gte: DecimalAmount?
    public var lt: DecimalAmount?

    public init(gte: DecimalAmount? = nil, lt: DecimalAmount? = nil) {
        self.gte = gte
        self.lt = lt
    }

    public func contains(_ amount: DecimalAmount) -> Bool {
        (gte.map { amount >= $0 } ?? true) && (lt.map { amount < $0 } ?? true)
    }
}

/// The outcome of evaluating criteria against a cart.
public struct CriteriaMatch: Sendable, Hashable {
    public var isSatisfied: Bool
    /// Ids of the lines matched by satisfied `cartContains` conditions outside any `not`.
    public var triggerLineIds: Set<String>

    static let unsatisfied = CriteriaMatch(isSatisfied: false, triggerLineIds: [])
}

extension DisplayCriteria {
    /// Evaluates the rule tree against `cart`.
    public func evaluate(_ cart: CartUpdated) -> CriteriaMatch {
        switch self {
        case .all(let conditions):
            var triggers = Set<String>()
            for condition in conditions {
                let match = condition.evaluate(cart)
                guard match.isSatisfied else { return .unsatisfied }
                triggers.formUnion(match.triggerLineIds)
            }
            return CriteriaMatch(isSatisfied: true, triggerLineIds: triggers)
        case .any(let conditions):
            var result = CriteriaMatch.unsatisfied
            for condition in conditions {
                let match = condition.evaluate(cart)
                guard match.isSatisfied else { continue }
                result.isSatisfied = true
                result.triggerLineIds.formUnion(match.triggerLineIds)
            }
            return result
        case .not(let condition):
            return CriteriaMatch(isSatisfied: !condition.evaluate(cart).isSatisfied, triggerLineIds: [])
        case .cartContains(let contains):
            let matched = cart.lines.filter(contains.matches)
            let quantity = matched.reduce(0) { $0 + $1.quantity }
            guard !matched.isEmpty, quantity >= (contains.minQuantity ?? 1) else { return .unsatisfied }
            return CriteriaMatch(isSatisfied: true, triggerLineIds: Set(matched.map(\.lineId)))
        case .subtotal(let range):
            return CriteriaMatch(isSatisfied: range.contains(cart.effectiveSubtotal), triggerLineIds: [])
        }
    }

    /// Whether a `cartContains` condition appears outside any `not`: an upsell needs one,
    /// or it has nothing to replace.
    public var canTrigger: Bool {
        switch self {
        case .all(let conditions): conditions.contains(where: \.canTrigger)
        case .any(let conditions): !conditions.isEmpty && conditions.allSatisfy(\.canTrigger)
        case .not: false
        case .cartContains: true
        case .subtotal: false
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
            var problems: [String] = []
            if !contains.hasSelector {
                problems.append("\(path).cartContains: give at least one of productIds, variantIds, collectionIds, tags")
            }
            for (name, list) in [("productIds", contains.productIds), ("variantIds", contains.variantIds),
                                 ("collectionIds", contains.collectionIds), ("tags", contains.tags)] where list?.isEmpty == true {
                problems.append("\(path).cartContains.\(name): must not be empty")
            }
            if let minimum = contains.minQuantity, minimum < 1 {
                problems.append("\(path).cartContains.minQuantity: must be at least 1 (got \(minimum))")
            }
            return problems
        case .subtotal(let range):
            if range.gte == nil && range.lt == nil { return ["\(path).subtotal: give gte, lt or both"] }
            if let low = range.gte, let high = range.lt, low >= high {
                return ["\(path).subtotal: gte (\(low)) must be below lt (\(high))"]
            }
            return []
        }
    }
}

extension DisplayCriteria: Codable {
    private enum Key: String, CaseIterable, CodingKey {
        case all, any, not, cartContains, subtotal
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        let expected = Key.allCases.map(\.rawValue).joined(separator: ", ")
        guard keys.count == 1, let key = Key(rawValue: keys[0]) else {
            let found = keys.isEmpty ? "an empty object" : keys.sorted().joined(separator: ", ")
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "a condition has exactly one of \(expected); found \(found)"))
        }
        let container = try decoder.container(keyedBy: Key.self)
        switch key {
        case .all: self = .all(try container.decode([DisplayCriteria].self, forKey: .all))
        case .any: self = .any(try container.decode([DisplayCriteria].self, forKey: .any))
        case .not: self = .not(try container.decode(DisplayCriteria.self, forKey: .not))
        case .cartContains: self = .cartContains(try container.decode(CartContains.self, forKey: .cartContains))
        case .subtotal: self = .subtotal(try container.decode(AmountRange.self, forKey: .subtotal))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        switch self {
        case .all(let conditions): try container.encode(conditions, forKey: .all)
        case .any(let conditions): try container.encode(conditions, forKey: .any)
        case .not(let condition): try container.encode(condition, forKey: .not)
        case .cartContains(let contains): try container.encode(contains, forKey: .cartContains)
        case .subtotal(let range): try container.encode(range, forKey: .subtotal)
        }
    }
}
