/// When an offer is shown: a rule tree over the cart's contents, totals, customer,
/// attributes and event time.
///
/// JSON: an object with exactly one key, for example
/// `{"all":[{"cartContains":{"productIds":["phone-std"]}},{"not":{"subtotal":{"gte":"5000.00"}}}]}`.
/// docs/display-criteria.md describes every condition.
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
    /// The sum of the lines' quantities is in a range.
    case itemCount(CountRange)
    /// The number of lines is in a range.
    case lineCount(CountRange)
    /// The cart's currency is one of a list.
    case currency(ValueList)
    /// The shopper fits a profile (a guest cart has no tags, no country and no orders).
    case customer(CustomerCondition)
    /// A cart attribute (channel, market, device…) has a value, or is present or absent.
    case attribute(AttributeCondition)
    /// The cart event's time, in a time zone, falls on given weekdays and hours.
    case schedule(ScheduleCondition)
    /// No line matches any of the given products, variants or tags.
    case excludes(ExcludesCondition)
}

/// The outcome of evaluating criteria against a cart.
public struct CriteriaMatch: Sendable, Hashable {
    public var isSatisfied: Bool
    /// Ids of the lines matched by satisfied `cartContains` conditions outside any `not`.
    public var triggerLineIds: Set<String>

    public init(isSatisfied: Bool, triggerLineIds: Set<String>) {
        self.isSatisfied = isSatisfied
        self.triggerLineIds = triggerLineIds
    }

    static let unsatisfied = CriteriaMatch(isSatisfied: false, triggerLineIds: [])

    static func holds(_ condition: Bool) -> CriteriaMatch {
        CriteriaMatch(isSatisfied: condition, triggerLineIds: [])
    }
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
            return .holds(!condition.evaluate(cart).isSatisfied)
        case .cartContains(let contains):
            guard let matched = contains.matchedLines(in: cart.lines) else { return .unsatisfied }
            return CriteriaMatch(isSatisfied: true, triggerLineIds: Set(matched.map(\.lineId)))
        case .subtotal(let range):
            return .holds(range.contains(cart.effectiveSubtotal))
        case .itemCount(let range):
            return .holds(range.contains(cart.lines.totalQuantity))
        case .lineCount(let range):
            return .holds(range.contains(cart.lines.count))
        case .currency(let currencies):
            return .holds(currencies.values.contains(cart.currency))
        case .customer(let condition):
            return .holds(condition.matches(cart.customer))
        case .attribute(let condition):
            return .holds(condition.matches(cart.attributes ?? [:]))
        case .schedule(let schedule):
            return .holds(schedule.contains(cart.occurredAt))
        case .excludes(let exclusion):
            return .holds(!cart.lines.contains(where: exclusion.matches))
        }
    }

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

extension DisplayCriteria: Codable {
    private enum Key: String, CaseIterable, CodingKey {
        case all, any, not, cartContains, subtotal, itemCount, lineCount, currency, customer, attribute, schedule, excludes
    }

    public init(from decoder: any Decoder) throws {
        let keys = try decoder.container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue)
        let expected = Key.allCases.map(\.rawValue).joined(separator: ", ")
        guard keys.count == 1, let key = Key(rawValue: keys[0]) else {
            let found = keys.isEmpty ? "an empty object" : keys.sorted().joined(separator: ", ")
            let likely = keys.count == 1 ? UnknownFields.suggestion(for: keys[0], among: Key.allCases.map(\.rawValue)) : nil
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "a condition has exactly one of \(expected); found \(found)" + (likely.map { " (did you mean '\($0)'?)" } ?? "")))
        }
        let container = try decoder.container(keyedBy: Key.self)
        switch key {
        case .all: self = .all(try container.decode([DisplayCriteria].self, forKey: .all))
        case .any: self = .any(try container.decode([DisplayCriteria].self, forKey: .any))
        case .not: self = .not(try container.decode(DisplayCriteria.self, forKey: .not))
        case .cartContains: self = .cartContains(try container.decode(CartContains.self, forKey: .cartContains))
        case .subtotal: self = .subtotal(try container.decode(AmountRange.self, forKey: .subtotal))
        case .itemCount: self = .itemCount(try container.decode(CountRange.self, forKey: .itemCount))
        case .lineCount: self = .lineCount(try container.decode(CountRange.self, forKey: .lineCount))
        case .currency: self = .currency(try container.decode(ValueList.self, forKey: .currency))
        case .customer: self = .customer(try container.decode(CustomerCondition.self, forKey: .customer))
        case .attribute: self = .attribute(try container.decode(AttributeCondition.self, forKey: .attribute))
        case .schedule: self = .schedule(try container.decode(ScheduleCondition.self, forKey: .schedule))
        case .excludes: self = .excludes(try container.decode(ExcludesCondition.self, forKey: .excludes))
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
        case .itemCount(let range): try container.encode(range, forKey: .itemCount)
        case .lineCount(let range): try container.encode(range, forKey: .lineCount)
        case .currency(let currencies): try container.encode(currencies, forKey: .currency)
        case .customer(let condition): try container.encode(condition, forKey: .customer)
        case .attribute(let condition): try container.encode(condition, forKey: .attribute)
        case .schedule(let schedule): try container.encode(schedule, forKey: .schedule)
        case .excludes(let exclusion): try container.encode(exclusion, forKey: .excludes)
        }
    }
}

extension Array where Element == CartLine {
    /// The sum of the lines' quantities, saturating instead of overflowing.
    var totalQuantity: Int {
        reduce(0) { total, line in
            let (sum, overflow) = total.addingReportingOverflow(line.quantity)
            return overflow ? (line.quantity > 0 ? Int.max : Int.min) : sum
        }
    }
}

/// `"\(path): must not be empty"` when `list` is an empty array.
func emptyListProblems(_ lists: [(String, [String]?)], at path: String) -> [String] {
    lists.compactMap { name, list in list?.isEmpty == true ? "\(path).\(name): must not be empty" : nil }
}
