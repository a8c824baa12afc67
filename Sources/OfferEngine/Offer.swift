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

    public static let defaultTTLSeconds = 1800
    /// A year: presentations are state the worker keeps.
    public static let maximumTTLSeconds = 366 * 86_400

    public init(
        offerId: String, kind: OfferKind, status: OfferStatus = .active, priority: Int = 0,
        startsAt: EventTime? = nil, endsAt: EventTime? = nil, ttlSeconds: Int = Offer.defaultTTLSeconds,
        currency: String? = nil, description: String? = nil, displayCriteria: DisplayCriteria, items: [OfferedItem],
        showWhenItemsInCart: Bool = false
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
    }

    private enum CodingKeys: String, CodingKey {
        case offerId, kind, status, priority, startsAt, endsAt, ttlSeconds, currency, description, displayCriteria, items, showWhenItemsInCart
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
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
            items: try container.decode([OfferedItem].self, forKey: .items),
            showWhenItemsInCart: try container.decodeIfPresent(Bool.self, forKey: .showWhenItemsInCart) ?? false)
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

    /// Every problem with this offer, each with its path under `path`.
    public func problems(at path: String) -> [String] {
        var problems: [String] = []
        if offerId.isEmpty { problems.append("\(path).offerId: must not be empty") }
        if ttlSeconds < 1 || ttlSeconds > Self.maximumTTLSeconds {
            problems.append("\(path).ttlSeconds: must be between 1 and \(Self.maximumTTLSeconds) (got \(ttlSeconds))")
        }
        if let startsAt, let endsAt, startsAt >= endsAt {
            problems.append("\(path).endsAt: must be after startsAt (\(startsAt))")
        }
        if let currency, !currency.isCurrencyCode {
            problems.append("\(path).currency: not an ISO 4217 code such as \"EUR\" (got '\(currency)')")
        }
        problems += displayCriteria.problems(at: "\(path).displayCriteria")
        if kind == .upsell && !displayCriteria.canTrigger {
            problems.append("\(path).displayCriteria: an upsell needs a cartContains condition (outside any not) to choose the lines it replaces")
        }
        if items.isEmpty { problems.append("\(path).items: must list at least one item") }
        for (index, item) in items.enumerated() {
            let at = "\(path).items[\(index)]"
            if item.productId.isEmpty { problems.append("\(at).productId: must not be empty") }
            if item.variantId.isEmpty { problems.append("\(at).variantId: must not be empty") }
            if item.quantity < 1 { problems.append("\(at).quantity: must be at least 1 (got \(item.quantity))") }
            if item.unitPrice.isNegative { problems.append("\(at).unitPrice: must not be negative (got \(item.unitPrice))") }
            if let compareAt = item.compareAtPrice, compareAt.isNegative {
                problems.append("\(at).compareAtPrice: must not be negative (got \(compareAt))")
            }
        }
        return problems
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
