/// An offer a merchant defined: when it shows (display criteria) and what it puts in the
/// cart (items), as an upsell or a cross-sell.
public struct Offer: Codable, Sendable, Hashable {
    public var offerId: String
    public var kind: OfferKind
    public var status: OfferStatus
    /// Higher first when more offers are eligible than may be shown; ties go by offerId.
    public var priority: Int
    /// Not shown before this event time.
    public var startsAt: EventTime?
    /// Not shown from this event time on; presentations expire by it at the latest.
    public var endsAt: EventTime?
    /// How long a presentation can be accepted. Defaults to 1800 (30 minutes).
    public var ttlSeconds: Int
    /// When set, shown only to carts in this currency (the items' prices are in it).
    public var currency: String?
    public var description: String?
    public var displayCriteria: DisplayCriteria
    public var items: [OfferedItem]
    /// Shown even when every offered variant is in the cart already (default `false`: such an
    /// offer is skipped).
    public var showWhenItemsInCart: Bool
    /// The offer's revision (default 1), recorded by each presentation and sent as
    /// `offer.presented.offerVersion`. Raise it when changing what the offer shows.
    public var version: Int
    /// After this many presentations to one cart, the offer is not presented to it again.
    public var maxPresentationsPerCart: Int?
    /// The share of carts (0–100, up to two decimals: steps of 0.01 %) held out of the offer
    /// as a control group. A cart's bucket is stable: SHA-256 of cartId and offerId.
    public var holdoutPercent: DecimalAmount?
    /// Among eligible offers naming the same group, only the highest-ranked one (priority,
    /// then offerId) is presented per cart event: alternatives a merchant never wants shown
    /// side by side ("one protection plan"). The others give way; they are not presented.
    public var exclusivityGroup: String?
    /// When `true` and the offer is shown, evaluation ends after it: lower-ranked offers are
    /// not presented to that cart event (a headline offer that must stand alone).
    public var stopAfter: Bool

    public static let defaultTTLSeconds = 1800
    /// A year: presentations are state the worker keeps.
    public static let maximumTTLSeconds = 366 * 86_400

    public init(
        offerId: String, kind: OfferKind, status: OfferStatus = .active, priority: Int = 0,
        startsAt: EventTime? = nil, endsAt: EventTime? = nil, ttlSeconds: Int = Offer.defaultTTLSeconds,
        currency: String? = nil, description: String? = nil, displayCriteria: DisplayCriteria, items: [OfferedItem],
        showWhenItemsInCart: Bool = false, version: Int = 1, maxPresentationsPerCart: Int? = nil,
        holdoutPercent: DecimalAmount? = nil, exclusivityGroup: String? = nil, stopAfter: Bool = false
    ) {
        self.offerId = offerId
        self.kind = kind
        self.status = status
        self.priority = priority
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.ttlSeconds = ttlSeconds
        self.currency = currency
        self.description = description
        self.displayCriteria = displayCriteria
        self.items = items
        self.showWhenItemsInCart = showWhenItemsInCart
        self.version = version
        self.maxPresentationsPerCart = maxPresentationsPerCart
        self.holdoutPercent = holdoutPercent
        self.exclusivityGroup = exclusivityGroup
        self.stopAfter = stopAfter
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case offerId, kind, status, priority, startsAt, endsAt, ttlSeconds, currency, description, displayCriteria, items, showWhenItemsInCart
        case version, maxPresentationsPerCart, holdoutPercent, exclusivityGroup, stopAfter
    }

    /// Decodes strictly: an unknown field of the offer, of an item or of a price rule is an
    /// error naming it (`currancy: unknown field (did you mean 'currency'?)`), because a
    /// misspelt optional field would otherwise be dropped and the offer shown more widely.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(
            offerId: try container.decode(String.self, forKey: .offerId),
            kind: try container.decode(OfferKind.self, forKey: .kind),
            status: try container.decode(OfferStatus.self, forKey: .status),
            priority: try container.decodeIfPresent(Int.self, forKey: .priority) ?? 0,
            startsAt: try container.decodeIfPresent(EventTime.self, forKey: .startsAt),
            endsAt: try container.decodeIfPresent(EventTime.self, forKey: .endsAt),
            ttlSeconds: try container.decodeIfPresent(Int.self, forKey: .ttlSeconds) ?? Self.defaultTTLSeconds,
            currency: try container.decodeIfPresent(String.self, forKey: .currency),
            description: try container.decodeIfPresent(String.self, forKey: .description),
            displayCriteria: try container.decode(DisplayCriteria.self, forKey: .displayCriteria),
            items: try container.decode([DefinedItem].self, forKey: .items).map(\.item),
            showWhenItemsInCart: try container.decodeIfPresent(Bool.self, forKey: .showWhenItemsInCart) ?? false,
            version: try container.decodeIfPresent(Int.self, forKey: .version) ?? 1,
            maxPresentationsPerCart: try container.decodeIfPresent(Int.self, forKey: .maxPresentationsPerCart),
            holdoutPercent: try Self.decodePercent(container, .holdoutPercent),
            exclusivityGroup: try container.decodeIfPresent(String.self, forKey: .exclusivityGroup),
            stopAfter: try container.decodeIfPresent(Bool.self, forKey: .stopAfter) ?? false)
    }

    /// A percentage given as an integer (`5`) or a decimal string (`"2.5"`).
    private static func decodePercent(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> DecimalAmount? {
        guard container.contains(key), try !container.decodeNil(forKey: key) else { return nil }
        if let whole = try? container.decode(Int.self, forKey: key) {
            return DecimalAmount(mantissa: Int128(whole), scale: 0)
        }
        guard let text = try? container.decode(String.self, forKey: key) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "expected an integer or a decimal string such as \"2.5\"")
        }
        guard let amount = DecimalAmount(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not a decimal string: '\(text)'")
        }
        return amount
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(offerId, forKey: .offerId)
        try container.encode(kind, forKey: .kind)
        try container.encode(status, forKey: .status)
        try container.encode(priority, forKey: .priority)
        try container.encodeIfPresent(startsAt, forKey: .startsAt)
        try container.encodeIfPresent(endsAt, forKey: .endsAt)
        try container.encode(ttlSeconds, forKey: .ttlSeconds)
        try container.encodeIfPresent(currency, forKey: .currency)
        try container.encodeIfPresent(description, forKey: .description)
        try container.encode(displayCriteria, forKey: .displayCriteria)
        try container.encode(items, forKey: .items)
        try container.encode(showWhenItemsInCart, forKey: .showWhenItemsInCart)
        try container.encode(version, forKey: .version)
        try container.encodeIfPresent(maxPresentationsPerCart, forKey: .maxPresentationsPerCart)
        try container.encodeIfPresent(holdoutPercent, forKey: .holdoutPercent)
        try container.encodeIfPresent(exclusivityGroup, forKey: .exclusivityGroup)
        // Absent when false, so catalogs without the field encode as before.
        if stopAfter { try container.encode(stopAfter, forKey: .stopAfter) }
    }

    /// The holdout as a number of buckets out of ``holdoutBuckets`` (`2.5` % → 250).
    var holdoutThreshold: Int {
        guard let holdoutPercent, let hundredths = holdoutPercent.rescaled(to: 2) else { return 0 }
        return Int(hundredths.mantissa)
    }

    /// Carts are split into this many holdout buckets (steps of 0.01 %).
    public static let holdoutBuckets = 10_000

    /// Whether the cart is in this offer's holdout (control group): its bucket, from the
    /// SHA-256 of cartId and offerId, is below `holdoutPercent` × 100.
    public func holdsOut(cartId: String) -> Bool {
        let threshold = holdoutThreshold
        guard threshold > 0 else { return false }
        return EventID.bucket("holdout", cartId, offerId, count: Self.holdoutBuckets) < threshold
    }

    /// The price currencies every item has, `nil` when some item prices any currency.
    var pricedCurrencies: Set<String>? {
        items.reduce(nil as Set<String>?) { result, item in
            guard let prices = item.prices else { return result }
            let currencies = Set(prices.keys)
            return result.map { $0.intersection(currencies) } ?? currencies
        }
    }

    /// The items as offered to a cart in `currency` whose trigger lines add up to
    /// `triggerQuantity`; `nil` when an item has no price in that currency.
    public func resolvedItems(currency: String, triggerQuantity: Int) -> [OfferedItem]? {
        var resolved: [OfferedItem] = []
        resolved.reserveCapacity(items.count)
        for item in items {
            guard let item = item.resolved(currency: currency, triggerQuantity: triggerQuantity) else { return nil }
            resolved.append(item)
        }
        return resolved
    }

    /// Whether the offer may be shown at `time`: active and inside its schedule.
    public func isLive(at time: EventTime) -> Bool {
        status == .active && startsAt.map { $0 <= time } ?? true && endsAt.map { time < $0 } ?? true
    }

    /// When a presentation made at `time` expires: after the TTL, or when the offer ends.
    public func expiry(presentedAt time: EventTime) -> EventTime {
        let expiry = time.adding(seconds: ttlSeconds)
        return endsAt.map { min($0, expiry) } ?? expiry
    }

    /// The fields an item of an offer may have; any other is refused.
    static let itemFields = ["productId", "variantId", "quantity", "unitPrice", "compareAtPrice", "prices"]

    /// The most characters an id (offerId, productId, variantId) may have.
    public static let maximumIdentifierLength = 256

    /// Every problem with this offer, each with its path under `path`.
    public func problems(at path: String) -> [String] {
        problems(at: path, kindIsKnown: true, currencyIsKnown: true)
    }

    /// The problems, leaving out the rules that depend on the kind or the currency when
    /// those could not be read (the offer was decoded with a stand-in for them, and the
    /// rule would report a problem of the stand-in).
    func problems(at path: String, kindIsKnown: Bool, currencyIsKnown: Bool) -> [String] {
        var problems: [String] = []
        problems += Self.identifierProblems(offerId, at: "\(path).offerId")
        if ttlSeconds < 1 || ttlSeconds > Self.maximumTTLSeconds {
            problems.append("\(path).ttlSeconds: must be between 1 and \(Self.maximumTTLSeconds) (got \(ttlSeconds))")
        }
        if let startsAt, let endsAt, startsAt >= endsAt {
            problems.append("\(path).endsAt: must be after startsAt (\(startsAt))")
        }
        var currencyIsValid = currencyIsKnown
        if let currency, !currency.isCurrencyCode {
            problems.append("\(path).currency: not an ISO 4217 code such as \"EUR\" (got '\(currency)')")
            currencyIsValid = false
        }
        problems += displayCriteria.problems(at: "\(path).displayCriteria")
        if kindIsKnown, kind == .upsell, !displayCriteria.canTrigger {
            problems.append("\(path).displayCriteria: an upsell needs a cartContains condition (outside any not) to choose the lines it replaces")
        }
        if items.isEmpty { problems.append("\(path).items: must list at least one item") }
        for (index, item) in items.enumerated() {
            problems += itemProblems(item, at: "\(path).items[\(index)]", kindIsKnown: kindIsKnown,
                                     currencyIsKnown: currencyIsKnown, currencyIsValid: currencyIsValid)
        }
        if version < 1 { problems.append("\(path).version: must be at least 1 (got \(version))") }
        if let cap = maxPresentationsPerCart, cap < 1 {
            problems.append("\(path).maxPresentationsPerCart: must be at least 1 (got \(cap))")
        }
        if let holdout = holdoutPercent {
            if holdout.isNegative || holdout > DecimalAmount(mantissa: 100, scale: 0) {
                problems.append("\(path).holdoutPercent: must be between 0 and 100 (got \(holdout))")
            } else if holdout.scale > 2 {
                problems.append("\(path).holdoutPercent: at most 2 decimal places (got \(holdout))")
            }
        }
        if let group = exclusivityGroup {
            problems += Self.identifierProblems(group, at: "\(path).exclusivityGroup")
        }
        return problems
    }

    private func itemProblems(_ item: OfferedItem, at path: String, kindIsKnown: Bool, currencyIsKnown: Bool, currencyIsValid: Bool) -> [String] {
        var problems: [String] = []
        problems += Self.identifierProblems(item.productId, at: "\(path).productId")
        problems += Self.identifierProblems(item.variantId, at: "\(path).variantId")
        if item.matchesTriggerQuantity {
            if kindIsKnown, kind != .upsell {
                problems.append("\(path).quantity: \"matchTrigger\" is for upsells only (a cross-sell replaces no lines)")
            }
        } else if item.quantity < 1 {
            problems.append("\(path).quantity: must be at least 1 (got \(item.quantity))")
        }
        if let prices = item.prices {
            if prices.isEmpty { problems.append("\(path).prices: must list at least one currency") }
            for code in prices.keys.sorted() {
                guard code.isCurrencyCode else {
                    problems.append("\(path).prices.\(code): not an ISO 4217 code such as \"EUR\"")
                    continue
                }
                problems += prices[code]!.problems(at: "\(path).prices.\(code)", currency: code)
            }
            if currencyIsValid, let currency, !prices.isEmpty, prices[currency] == nil {
                problems.append("\(path).prices: no price in the offer's currency \(currency)")
            }
            return problems
        }
        for (field, amount) in [("unitPrice", item.unitPrice), ("compareAtPrice", item.compareAtPrice)] {
            guard let amount else { continue }
            if amount.isNegative {
                problems.append("\(path).\(field): must not be negative (got \(amount))")
            } else if currencyIsValid, let currency, amount.scale > CurrencyMinorUnits.digits(of: currency) {
                problems.append("\(path).\(field): \(CurrencyMinorUnits.tooManyDecimals(amount, currency))")
            }
        }
        // A bare unitPrice is in the offer's currency: without one, the same number would be
        // shown to carts in yen and in euros alike.
        if currencyIsKnown, currency == nil {
            problems.append("\(path).unitPrice: a price needs a currency: set the offer's \"currency\", or price the item per currency with \"prices\" (such as {\"EUR\": {\"fixed\": \"\(item.unitPrice)\"}})")
        }
        return problems
    }

    /// An id must not be empty, nor longer than ``maximumIdentifierLength`` characters.
    static func identifierProblems(_ id: String, at path: String) -> [String] {
        if id.isEmpty { return ["\(path): must not be empty"] }
        let length = id.unicodeScalars.count
        if length > maximumIdentifierLength {
            return ["\(path): must be at most \(maximumIdentifierLength) characters long (got \(length))"]
        }
        return []
    }
}

/// An item of an offer definition, decoded strictly: a field ``OfferedItem`` does not know
/// (`compareAtprice`) is an error, not ignored.
private struct DefinedItem: Decodable {
    let item: OfferedItem

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(known: Offer.itemFields)
        item = try OfferedItem(from: decoder)
    }
}

/// Whether an offer is in force.
public enum OfferStatus: String, Codable, Sendable, Hashable, CaseIterable, StrictlyDecodedEnum {
    case active
    /// Temporarily off; kept in the catalog.
    case paused
    /// Retired.
    case archived
}
