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
