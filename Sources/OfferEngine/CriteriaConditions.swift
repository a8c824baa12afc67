import Foundation

/// Matches cart lines. A line matches when it satisfies every selector given (a selector
/// lists alternatives: any of its ids or tags will do); the condition holds when the matched
/// lines' quantities add up to at least `minQuantity` (default 1) and at most `maxQuantity`.
///
/// With `match: all`, every id in `productIds` and in `variantIds` must also be on some
/// matched line: "both A and B are in the cart".
public struct CartContains: Codable, Sendable, Hashable {
    /// Whether one listed product (or variant) is enough, or every one must be in the cart.
    public enum Match: String, Codable, Sendable, Hashable, CaseIterable, StrictlyDecodedEnum {
        case any, all
    }

    public var productIds: [String]?
    public var variantIds: [String]?
    public var collectionIds: [String]?
    public var tags: [String]?
    /// Matches `CartLine.productType`.
    public var productTypes: [String]?
    /// Matches `CartLine.vendor`.
    public var vendors: [String]?
    public var minQuantity: Int?
    public var maxQuantity: Int?
    /// Default `any`.
    public var match: Match?

    public init(
        productIds: [String]? = nil, variantIds: [String]? = nil, collectionIds: [String]? = nil, tags: [String]? = nil,
        minQuantity: Int? = nil, productTypes: [String]? = nil, vendors: [String]? = nil, maxQuantity: Int? = nil,
        match: Match? = nil
    ) {
        self.productIds = productIds
        self.variantIds = variantIds
        self.collectionIds = collectionIds
        self.tags = tags
        self.productTypes = productTypes
        self.vendors = vendors
        self.minQuantity = minQuantity
        self.maxQuantity = maxQuantity
        self.match = match
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case productIds, variantIds, collectionIds, tags, productTypes, vendors, minQuantity, maxQuantity, match
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(
            productIds: try container.decodeIfPresent([String].self, forKey: .productIds),
            variantIds: try container.decodeIfPresent([String].self, forKey: .variantIds),
            collectionIds: try container.decodeIfPresent([String].self, forKey: .collectionIds),
            tags: try container.decodeIfPresent([String].self, forKey: .tags),
            minQuantity: try container.decodeIfPresent(Int.self, forKey: .minQuantity),
            productTypes: try container.decodeIfPresent([String].self, forKey: .productTypes),
            vendors: try container.decodeIfPresent([String].self, forKey: .vendors),
            maxQuantity: try container.decodeIfPresent(Int.self, forKey: .maxQuantity),
            match: try container.decodeIfPresent(Match.self, forKey: .match))
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
            && overlaps(productTypes, line.productType.map { [$0] } ?? [])
            && overlaps(vendors, line.vendor.map { [$0] } ?? [])
    }

    /// The matched lines when the condition holds, `nil` when it does not.
    public func matchedLines(in lines: [CartLine]) -> [CartLine]? {
        let matched = lines.filter(matches)
        guard !matched.isEmpty else { return nil }
        if match == .all {
            if let productIds, !productIds.allSatisfy({ id in matched.contains { $0.productId == id } }) { return nil }
            if let variantIds, !variantIds.allSatisfy({ id in matched.contains { $0.variantId == id } }) { return nil }
        }
        let quantity = matched.totalQuantity
        guard quantity >= (minQuantity ?? 1), maxQuantity.map({ quantity <= $0 }) ?? true else { return nil }
        return matched
    }

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

/// A half-open range of amounts: `gte` ≤ amount < `lt`; either bound may be absent.
public struct AmountRange: Codable, Sendable, Hashable {
    public var gte: DecimalAmount?
    public var lt: DecimalAmount?

    public init(gte: DecimalAmount? = nil, lt: DecimalAmount? = nil) {
        self.gte = gte
        self.lt = lt
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case gte, lt }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(gte: try container.decodeIfPresent(DecimalAmount.self, forKey: .gte),
                  lt: try container.decodeIfPresent(DecimalAmount.self, forKey: .lt))
    }

    public func contains(_ amount: DecimalAmount) -> Bool {
        (gte.map { amount >= $0 } ?? true) && (lt.map { amount < $0 } ?? true)
    }
}

/// A half-open range of counts: `gte` ≤ count < `lt`; either bound may be absent.
public struct CountRange: Codable, Sendable, Hashable {
    public var gte: Int?
    public var lt: Int?

    public init(gte: Int? = nil, lt: Int? = nil) {
        self.gte = gte
        self.lt = lt
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case gte, lt }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(gte: try container.decodeIfPresent(Int.self, forKey: .gte),
                  lt: try container.decodeIfPresent(Int.self, forKey: .lt))
    }

    public func contains(_ count: Int) -> Bool {
        (gte.map { count >= $0 } ?? true) && (lt.map { count < $0 } ?? true)
    }

    func problems(at path: String) -> [String] {
        if gte == nil && lt == nil { return ["\(path): give gte, lt or both"] }
        var problems: [String] = []
        if let gte, gte < 0 { problems.append("\(path).gte: must not be negative (got \(gte))") }
        if let lt, lt < 1 { problems.append("\(path).lt: must be at least 1 (got \(lt))") }
        if let low = gte, let high = lt, low >= high { problems.append("\(path): gte (\(low)) must be below lt (\(high))") }
        return problems
    }
}

/// `{"in": [...]}`: the value is one of a list (exact, case-sensitive).
public struct ValueList: Codable, Sendable, Hashable {
    public var values: [String]

    public init(_ values: [String]) { self.values = values }

    enum CodingKeys: String, CodingKey, CaseIterable { case values = "in" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(try container.decode([String].self, forKey: .values))
    }

    func problems(at path: String, kind: String, valid: (String) -> Bool) -> [String] {
        if values.isEmpty { return ["\(path).in: must not be empty"] }
        return values.enumerated().compactMap { index, value in
            valid(value) ? nil : "\(path).in[\(index)]: not \(kind) (got '\(value)')"
        }
    }
}

/// The shopper: every field given must hold. A guest cart (no customer) has no tags, no
/// country, 0 orders and is not signed in.
public struct CustomerCondition: Codable, Sendable, Hashable {
    public var tags: TagCondition?
    /// ISO 3166-1 alpha-2 codes.
    public var country: ValueList?
    public var ordersCount: CountRange?
    /// `true`: at least one earlier order; `false`: none.
    public var returning: Bool?
    /// `true`: the customer has an id.
    public var signedIn: Bool?

    public init(tags: TagCondition? = nil, country: ValueList? = nil, ordersCount: CountRange? = nil, returning: Bool? = nil, signedIn: Bool? = nil) {
        self.tags = tags
        self.country = country
        self.ordersCount = ordersCount
        self.returning = returning
        self.signedIn = signedIn
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case tags, country, ordersCount, returning, signedIn }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(
            tags: try container.decodeIfPresent(TagCondition.self, forKey: .tags),
            country: try container.decodeIfPresent(ValueList.self, forKey: .country),
            ordersCount: try container.decodeIfPresent(CountRange.self, forKey: .ordersCount),
            returning: try container.decodeIfPresent(Bool.self, forKey: .returning),
            signedIn: try container.decodeIfPresent(Bool.self, forKey: .signedIn))
    }

    public func matches(_ customer: Customer?) -> Bool {
        let orders = customer?.ordersCount ?? 0
        if let tags, !tags.matches(customer?.tags ?? []) { return false }
        if let country, !(customer?.country.map(country.values.contains) ?? false) { return false }
        if let ordersCount, !ordersCount.contains(orders) { return false }
        if let returning, returning != (orders >= 1) { return false }
        if let signedIn, signedIn != (customer?.id != nil) { return false }
        return true
    }

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

/// Tags of the customer: `any` (at least one of), `all` (every one of), `none` (not one of);
/// every list given must hold.
public struct TagCondition: Codable, Sendable, Hashable {
    public var anyOf: [String]?
    public var allOf: [String]?
    public var noneOf: [String]?

    public init(anyOf: [String]? = nil, allOf: [String]? = nil, noneOf: [String]? = nil) {
        self.anyOf = anyOf
        self.allOf = allOf
        self.noneOf = noneOf
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case anyOf = "any", allOf = "all", noneOf = "none"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(anyOf: try container.decodeIfPresent([String].self, forKey: .anyOf),
                  allOf: try container.decodeIfPresent([String].self, forKey: .allOf),
                  noneOf: try container.decodeIfPresent([String].self, forKey: .noneOf))
    }

    public func matches(_ tags: [String]) -> Bool {
        (anyOf.map { $0.contains(where: tags.contains) } ?? true)
            && (allOf.map { $0.allSatisfy(tags.contains) } ?? true)
            && (noneOf.map { !$0.contains(where: tags.contains) } ?? true)
    }

    func problems(at path: String) -> [String] {
        if anyOf == nil, allOf == nil, noneOf == nil { return ["\(path): give at least one of any, all, none"] }
        return emptyListProblems([("any", anyOf), ("all", allOf), ("none", noneOf)], at: path)
    }
}

/// A cart attribute: exactly one of `equals` (the value is), `in` (the value is one of) or
/// `exists` (the key is present, or with `false` absent).
public struct AttributeCondition: Codable, Sendable, Hashable {
    public var key: String
    public var equals: String?
    public var values: [String]?
    public var exists: Bool?

    public init(key: String, equals: String? = nil, values: [String]? = nil, exists: Bool? = nil) {
        self.key = key
        self.equals = equals
        self.values = values
        self.exists = exists
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case key, equals, values = "in", exists }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(
            key: try container.decode(String.self, forKey: .key),
            equals: try container.decodeIfPresent(String.self, forKey: .equals),
            values: try container.decodeIfPresent([String].self, forKey: .values),
            exists: try container.decodeIfPresent(Bool.self, forKey: .exists))
    }

    public func matches(_ attributes: [String: String]) -> Bool {
        let value = attributes[key]
        if let equals, value != equals { return false }
        if let values, !(value.map(values.contains) ?? false) { return false }
        if let exists, exists != (value != nil) { return false }
        return true
    }

    func problems(at path: String) -> [String] {
        var problems: [String] = []
        if key.isEmpty { problems.append("\(path).key: must not be empty") }
        let tests = [equals != nil, values != nil, exists != nil].filter { $0 }.count
        if tests != 1 { problems.append("\(path): give exactly one of equals, in, exists") }
        if values?.isEmpty == true { problems.append("\(path).in: must not be empty") }
        return problems
    }
}

/// A weekly window in a time zone, checked at the cart event's time: on one of `daysOfWeek`
/// (all days when absent) and within `hours` (all day when absent).
public struct ScheduleCondition: Codable, Sendable, Hashable {
    /// An IANA zone such as `Europe/Berlin`.
    public var timeZone: String
    public var daysOfWeek: [Weekday]?
    public var hours: DailyHours?

    public init(timeZone: String, daysOfWeek: [Weekday]? = nil, hours: DailyHours? = nil) {
        self.timeZone = timeZone
        self.daysOfWeek = daysOfWeek
        self.hours = hours
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case timeZone, daysOfWeek, hours }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(
            timeZone: try container.decode(String.self, forKey: .timeZone),
            daysOfWeek: try container.decodeIfPresent([Weekday].self, forKey: .daysOfWeek),
            hours: try container.decodeIfPresent(DailyHours.self, forKey: .hours))
    }

    /// The local weekday and minute of the day of `time` in the zone; `nil` for an unknown zone.
    public func localTime(of time: EventTime) -> (weekday: Weekday, minute: Int)? {
        guard let zone = TimeZone(identifier: timeZone) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        // Exact for whole seconds; a millisecond's rounding cannot cross a minute boundary.
        let date = Date(timeIntervalSince1970: TimeInterval(time.millisecondsSinceEpoch) / 1000)
        let components = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        guard let weekday = components.weekday.flatMap(Weekday.init(calendarWeekday:)),
              let hour = components.hour, let minute = components.minute
        else { return nil }
        return (weekday, hour * 60 + minute)
    }

    /// Whether `time` falls in the window. In an overnight window (`from` after `to`) the
    /// hours after midnight belong to the day the window opened.
    public func contains(_ time: EventTime) -> Bool {
        guard let local = localTime(of: time) else { return false }
        var weekday = local.weekday
        let minute = local.minute
        if let hours {
            let from = hours.from.minuteOfDay, to = hours.to.minuteOfDay
            if from < to {
                guard from <= minute, minute < to else { return false }
            } else if minute < to {
                weekday = weekday.previous
            } else {
                guard minute >= from else { return false }
            }
        }
        return daysOfWeek.map { $0.contains(weekday) } ?? true
    }

    func problems(at path: String) -> [String] {
        var problems: [String] = []
        if TimeZone(identifier: timeZone) == nil {
            problems.append("\(path).timeZone: unknown IANA time zone '\(timeZone)' (such as \"Europe/Berlin\")")
        }
        if daysOfWeek == nil, hours == nil { problems.append("\(path): give daysOfWeek, hours or both") }
        if daysOfWeek?.isEmpty == true { problems.append("\(path).daysOfWeek: must not be empty") }
        if let hours {
            if hours.from.minuteOfDay == TimeOfDay.endOfDay {
                problems.append("\(path).hours.from: must be before 24:00")
            } else if hours.from == hours.to {
                problems.append("\(path).hours: from (\(hours.from)) must differ from to (\(hours.to))")
            }
        }
        return problems
    }
}

/// A day of the week, as in `daysOfWeek: ["mon", "tue"]`.
public enum Weekday: String, Codable, Sendable, Hashable, CaseIterable, StrictlyDecodedEnum {
    case mon, tue, wed, thu, fri, sat, sun

    /// From `Calendar`'s numbering, 1 = Sunday … 7 = Saturday.
    init?(calendarWeekday: Int) {
        guard (1...7).contains(calendarWeekday) else { return nil }
        self = Self.allCases[(calendarWeekday + 5) % 7]
    }

    var previous: Weekday { Self.allCases[(Self.allCases.firstIndex(of: self)! + 6) % 7] }
}

/// Local hours of a day: `from` (inclusive) to `to` (exclusive); `to` may be `24:00`, and a
/// `from` after `to` spans midnight.
public struct DailyHours: Codable, Sendable, Hashable {
    public var from: TimeOfDay
    public var to: TimeOfDay

    public init(from: TimeOfDay, to: TimeOfDay) {
        self.from = from
        self.to = to
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case from, to }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(from: try container.decode(TimeOfDay.self, forKey: .from), to: try container.decode(TimeOfDay.self, forKey: .to))
    }
}

/// A wall-clock time `HH:MM`, from `00:00` to `24:00`.
public struct TimeOfDay: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let minuteOfDay: Int
    static let endOfDay = 24 * 60

    public init?(hour: Int, minute: Int) {
        guard (0...23).contains(hour) && (0...59).contains(minute) || hour == 24 && minute == 0 else { return nil }
        minuteOfDay = hour * 60 + minute
    }

    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        let digits = bytes.map { Int($0) - Int(UInt8(ascii: "0")) }
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":"),
              [0, 1, 3, 4].allSatisfy({ (0...9).contains(digits[$0]) })
        else { return nil }
        self.init(hour: digits[0] * 10 + digits[1], minute: digits[3] * 10 + digits[4])
    }

    public var description: String {
        let hour = minuteOfDay / 60, minute = minuteOfDay % 60
        return "\(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute)"
    }

    public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool { lhs.minuteOfDay < rhs.minuteOfDay }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let time = TimeOfDay(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a time of day HH:MM such as \"09:30\" (got '\(text)')")
        }
        self = time
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Lines that must not be in the cart: the condition holds when no line has one of the
/// products, variants or tags. Its lines never trigger.
public struct ExcludesCondition: Codable, Sendable, Hashable {
    public var productIds: [String]?
    public var variantIds: [String]?
    public var tags: [String]?

    public init(productIds: [String]? = nil, variantIds: [String]? = nil, tags: [String]? = nil) {
        self.productIds = productIds
        self.variantIds = variantIds
        self.tags = tags
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case productIds, variantIds, tags }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(productIds: try container.decodeIfPresent([String].self, forKey: .productIds),
                  variantIds: try container.decodeIfPresent([String].self, forKey: .variantIds),
                  tags: try container.decodeIfPresent([String].self, forKey: .tags))
    }

    /// Whether `line` is excluded: it has one of the products, variants or tags.
    public func matches(_ line: CartLine) -> Bool {
        (productIds?.contains(line.productId) ?? false)
            || (variantIds?.contains(line.variantId) ?? false)
            || (tags.map { tags in line.tags?.contains(where: tags.contains) ?? false } ?? false)
    }

    func problems(at path: String) -> [String] {
        if productIds == nil, variantIds == nil, tags == nil { return ["\(path): give at least one of productIds, variantIds, tags"] }
        return emptyListProblems([("productIds", productIds), ("variantIds", variantIds), ("tags", tags)], at: path)
    }
}

extension String {
    /// Two upper-case ASCII letters.
    var isCountryCode: Bool {
        utf8.count == 2 && utf8.allSatisfy { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
    }
}
