/// A cart as it changed: the input of offer evaluation (topic `cart.updated`, key cartId).
public struct CartUpdated: Codable, Sendable, Hashable {
    public var eventId: String
    public var cartId: String
    /// Increases with every change of the cart; an event not newer than the last one seen
    /// for its cart changes nothing.
    public var version: Int64
    public var occurredAt: EventTime
    /// ISO 4217 code of every price in the cart.
    public var currency: String
    public var customer: Customer?
    public var lines: [CartLine]
    /// The cart's subtotal as the platform computed it; when absent, the sum of the lines.
    public var subtotal: DecimalAmount?
    /// Platform data such as channel, market or device.
    public var attributes: [String: String]?
    /// The version of this event's schema; absent means 1, the only one this worker reads.
    public var schemaVersion: Int?

    public init(
        eventId: String, cartId: String, version: Int64, occurredAt: EventTime, currency: String,
        customer: Customer? = nil, lines: [CartLine], subtotal: DecimalAmount? = nil, attributes: [String: String]? = nil,
        schemaVersion: Int? = nil
    ) {
        self.eventId = eventId
        self.cartId = cartId
        self.version = version
        self.occurredAt = occurredAt
        self.currency = currency
        self.customer = customer
        self.lines = lines
        self.subtotal = subtotal
        self.attributes = attributes
        self.schemaVersion = schemaVersion
    }

    /// The sum of every line's unit price times quantity; `nil` if it overflows.
    public var linesTotal: DecimalAmount? {
        lines.reduce(DecimalAmount.zero as DecimalAmount?) { total, line in
            line.unitPrice.multiplied(by: line.quantity).flatMap { total?.adding($0) }
        }
    }

    /// The subtotal criteria compare against: `subtotal` when given, otherwise the lines'
    /// total. Validated events always have one.
    public var effectiveSubtotal: DecimalAmount { subtotal ?? linesTotal ?? .zero }
}

/// One line of a cart.
public struct CartLine: Codable, Sendable, Hashable {
    /// The largest quantity a line may have; keeps quantity sums far from overflow.
    public static let maximumQuantity = 1_000_000

    public var lineId: String
    public var productId: String
    public var variantId: String
    public var quantity: Int
    public var unitPrice: DecimalAmount
    public var collectionIds: [String]?
    public var tags: [String]?
    public var productType: String?
    public var vendor: String?

    public init(
        lineId: String, productId: String, variantId: String, quantity: Int, unitPrice: DecimalAmount,
        collectionIds: [String]? = nil, tags: [String]? = nil, productType: String? = nil, vendor: String? = nil
    ) {
        self.lineId = lineId
        self.productId = productId
        self.variantId = variantId
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.collectionIds = collectionIds
        self.tags = tags
        self.productType = productType
        self.vendor = vendor
    }
}

/// What the platform knows of the shopper.
public struct Customer: Codable, Sendable, Hashable {
    public var id: String?
    public var tags: [String]?
    /// ISO 3166-1 alpha-2.
    public var country: String?
    public var ordersCount: Int?

    public init(id: String? = nil, tags: [String]? = nil, country: String? = nil, ordersCount: Int? = nil) {
        self.id = id
        self.tags = tags
        self.country = country
        self.ordersCount = ordersCount
    }
}

/// A shopper accepted a presented offer (topic `offer.accepted`, key cartId).
public struct OfferAccepted: Codable, Sendable, Hashable {
    public var eventId: String
    public var cartId: String
    public var presentationId: String
    public var occurredAt: EventTime
    /// The version of this event's schema; absent means 1, the only one this worker reads.
    public var schemaVersion: Int?

    public init(eventId: String, cartId: String, presentationId: String, occurredAt: EventTime, schemaVersion: Int? = nil) {
        self.eventId = eventId
        self.cartId = cartId
        self.presentationId = presentationId
        self.occurredAt = occurredAt
        self.schemaVersion = schemaVersion
    }
}

/// Whether accepting an offer replaces what triggered it or adds to the cart.
public enum OfferKind: String, Codable, Sendable, Hashable, CaseIterable, StrictlyDecodedEnum {
    /// Replaces the trigger lines with the offered, higher-end item.
    case upsell
    /// Adds the offered items; removes nothing.
    case crossSell
}

/// An item an offer puts in the cart.
///
/// In `offer.presented` (and a ``Presentation``) it is resolved: a quantity and the prices in
/// the cart's currency. In an offer definition it may instead price itself per currency
/// (``prices``) and take its quantity from the trigger lines (``matchesTriggerQuantity``,
/// `"quantity": "matchTrigger"` in JSON); ``resolved(currency:triggerQuantity:)`` turns it
/// into the former.
public struct OfferedItem: Codable, Sendable, Hashable {
    public var productId: String
    public var variantId: String
    /// How many; unused (1) when ``matchesTriggerQuantity`` is set.
    public var quantity: Int
    /// The price of one; in a definition with ``prices``, unused (zero).
    public var unitPrice: DecimalAmount
    /// The price shown struck through, when the offer is a discount.
    public var compareAtPrice: DecimalAmount?
    /// Offer definitions only: a price rule per ISO 4217 currency. When set, the item is only
    /// offered to carts in one of these currencies, and `unitPrice`/`compareAtPrice` are unused.
    public var prices: [String: PriceRule]?
    /// Offer definitions only, upsells only: the offered quantity is the sum of the trigger
    /// lines' quantities (two standard phones are upgraded to two pro ones).
    public var matchesTriggerQuantity: Bool

    public init(
        productId: String, variantId: String, quantity: Int, unitPrice: DecimalAmount, compareAtPrice: DecimalAmount? = nil,
        prices: [String: PriceRule]? = nil, matchesTriggerQuantity: Bool = false
    ) {
        self.productId = productId
        self.variantId = variantId
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.compareAtPrice = compareAtPrice
        self.prices = prices
        self.matchesTriggerQuantity = matchesTriggerQuantity
    }

    /// An item priced per currency.
    public init(productId: String, variantId: String, quantity: Int = 1, matchesTriggerQuantity: Bool = false, prices: [String: PriceRule]) {
        self.init(productId: productId, variantId: variantId, quantity: matchesTriggerQuantity ? 1 : quantity, unitPrice: .zero,
                  prices: prices, matchesTriggerQuantity: matchesTriggerQuantity)
    }

    /// Whether the item has a price in `currency`: any currency without ``prices``.
    public func isPriced(in currency: String) -> Bool {
        prices.map { $0[currency] != nil } ?? true
    }

    /// The item as a cart in `currency` is offered it, whose trigger lines add up to
    /// `triggerQuantity`; `nil` when it has no price in that currency.
    public func resolved(currency: String, triggerQuantity: Int) -> OfferedItem? {
        let quantity = matchesTriggerQuantity ? triggerQuantity : self.quantity
        guard let prices else {
            return OfferedItem(productId: productId, variantId: variantId, quantity: quantity, unitPrice: unitPrice, compareAtPrice: compareAtPrice)
        }
        guard let price = prices[currency]?.price(in: currency) else { return nil }
        return OfferedItem(productId: productId, variantId: variantId, quantity: quantity, unitPrice: price.unitPrice,
                           compareAtPrice: price.compareAtPrice)
    }

    /// The JSON value of a quantity that follows the trigger lines.
    public static let matchTrigger = "matchTrigger"

    private enum CodingKeys: String, CodingKey { case productId, variantId, quantity, unitPrice, compareAtPrice, prices }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var quantity = 1
        var matchesTrigger = false
        if let count = try? container.decode(Int.self, forKey: .quantity) {
            quantity = count
        } else if (try? container.decode(String.self, forKey: .quantity)) == Self.matchTrigger {
            matchesTrigger = true
        } else if container.contains(.quantity) {
            throw DecodingError.dataCorruptedError(
                forKey: .quantity, in: container, debugDescription: "expected an integer or \"\(Self.matchTrigger)\"")
        } else {
            _ = try container.decode(Int.self, forKey: .quantity)  // missing required field
        }
        let prices = try container.decodeIfPresent([String: PriceRule].self, forKey: .prices)
        let unitPrice = try container.decodeIfPresent(DecimalAmount.self, forKey: .unitPrice)
        let compareAtPrice = try container.decodeIfPresent(DecimalAmount.self, forKey: .compareAtPrice)
        if prices != nil {
            if unitPrice != nil || compareAtPrice != nil {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath,
                    debugDescription: "give unitPrice (and compareAtPrice) or prices, not both (a price rule's list price is 'of')"))
            }
        } else if unitPrice == nil {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "give unitPrice or prices"))
        }
        self.init(productId: try container.decode(String.self, forKey: .productId),
                  variantId: try container.decode(String.self, forKey: .variantId),
                  quantity: quantity, unitPrice: unitPrice ?? .zero, compareAtPrice: compareAtPrice,
                  prices: prices, matchesTriggerQuantity: matchesTrigger)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(productId, forKey: .productId)
        try container.encode(variantId, forKey: .variantId)
        if matchesTriggerQuantity {
            try container.encode(Self.matchTrigger, forKey: .quantity)
        } else {
            try container.encode(quantity, forKey: .quantity)
        }
        if let prices {
            try container.encode(prices, forKey: .prices)
        } else {
            try container.encode(unitPrice, forKey: .unitPrice)
            try container.encodeIfPresent(compareAtPrice, forKey: .compareAtPrice)
        }
    }
}

/// An offer shown to a cart (topic `offer.presented`, key cartId).
public struct OfferPresented: Codable, Sendable, Hashable {
    /// Derived from `presentationId`.
    public var eventId: String
    /// Derived from cartId, offerId and the cart event; quoted by `offer.accepted`.
    public var presentationId: String
    public var cartId: String
    public var cartVersion: Int64
    /// The `cart.updated` event this presentation answers.
    public var cartEventId: String
    public var offerId: String
    public var offerKind: OfferKind
    /// The cart lines that matched the display criteria; an upsell replaces them.
    public var triggerLineIds: [String]
    public var items: [OfferedItem]
    /// The cart event's time.
    public var occurredAt: EventTime
    /// After this, an acceptance is rejected as `expired`.
    public var expiresAt: EventTime
    /// The offer's `version` when it was presented (absent in events from before versions: 1).
    public var offerVersion: Int?
    /// `treatment` when the offer sets `holdoutPercent` (the cart is not in its holdout);
    /// absent otherwise.
    public var experimentArm: ExperimentArm?
}

/// The side of an offer's holdout experiment a presented cart is on. Carts in the holdout
/// (control) are not presented the offer, so only `treatment` appears in events.
public enum ExperimentArm: String, Codable, Sendable, Hashable, CaseIterable, StrictlyDecodedEnum {
    case treatment
}

/// A shopper dismissed a presented offer (topic `offer.declined`, key cartId): the offer is
/// not presented to that cart again.
public struct OfferDeclined: Codable, Sendable, Hashable {
    public var eventId: String
    public var cartId: String
    public var presentationId: String
    public var occurredAt: EventTime
    /// The version of this event's schema; absent means 1, the only one this worker reads.
    public var schemaVersion: Int?

    public init(eventId: String, cartId: String, presentationId: String, occurredAt: EventTime, schemaVersion: Int? = nil) {
        self.eventId = eventId
        self.cartId = cartId
        self.presentationId = presentationId
        self.occurredAt = occurredAt
        self.schemaVersion = schemaVersion
    }
}

/// One change to a cart.
public enum CartOperation: Codable, Sendable, Hashable {
    case removeLine(lineId: String)
    /// `compareAtPrice` is the struck-through price to show beside `unitPrice`, when the
    /// offer is a discount.
    case addLine(productId: String, variantId: String, quantity: Int, unitPrice: DecimalAmount, compareAtPrice: DecimalAmount? = nil)

    private enum CodingKeys: String, CodingKey { case op, lineId, productId, variantId, quantity, unitPrice, compareAtPrice }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .op) {
        case "removeLine":
            self = .removeLine(lineId: try container.decode(String.self, forKey: .lineId))
        case "addLine":
            self = .addLine(
                productId: try container.decode(String.self, forKey: .productId),
                variantId: try container.decode(String.self, forKey: .variantId),
                quantity: try container.decode(Int.self, forKey: .quantity),
                unitPrice: try container.decode(DecimalAmount.self, forKey: .unitPrice),
                compareAtPrice: try container.decodeIfPresent(DecimalAmount.self, forKey: .compareAtPrice))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .op, in: container, debugDescription: "unknown value '\(other)' (expected removeLine, addLine)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .removeLine(let lineId):
            try container.encode("removeLine", forKey: .op)
            try container.encode(lineId, forKey: .lineId)
        case .addLine(let productId, let variantId, let quantity, let unitPrice, let compareAtPrice):
            try container.encode("addLine", forKey: .op)
            try container.encode(productId, forKey: .productId)
            try container.encode(variantId, forKey: .variantId)
            try container.encode(quantity, forKey: .quantity)
            try container.encode(unitPrice, forKey: .unitPrice)
            try container.encodeIfPresent(compareAtPrice, forKey: .compareAtPrice)
        }
    }
}

/// What to change in a cart after an accepted offer (topic `cart.mutation`, key cartId).
public struct CartMutation: Codable, Sendable, Hashable {
    /// Derived from `presentationId`: one mutation per presentation, however often it is
    /// accepted.
    public var eventId: String
    public var cartId: String
    public var presentationId: String
    /// The `offer.accepted` event this mutation answers.
    public var acceptanceEventId: String
    public var offerId: String
    public var offerKind: OfferKind
    /// The cart version the operations were computed against.
    public var basedOnCartVersion: Int64
    /// The acceptance's time.
    public var occurredAt: EventTime
    /// In order: an upsell's `removeLine`s, then the `addLine`s.
    public var operations: [CartOperation]
}

/// Why an acceptance cannot be honoured.
public enum RejectionReason: String, Codable, Sendable, Hashable, CaseIterable, StrictlyDecodedEnum {
    /// This cart was never shown the presentation (or it is long gone).
    case unknownPresentation
    /// Accepted after the presentation's `expiresAt`, in event time.
    case expired
    /// The record's key or the presentation belongs to another cart, or the upsell's
    /// trigger lines are no longer in the cart.
    case cartMismatch
    /// An offered item can no longer be supplied (unavailable, or fewer in stock than the
    /// acceptance would add) since the presentation; the cart is not changed.
    case outOfStock
}

/// An acceptance that cannot be honoured (topic `offer.rejected`, key cartId).
public struct OfferRejected: Codable, Sendable, Hashable {
    /// Derived from the acceptance's eventId.
    public var eventId: String
    public var cartId: String
    public var presentationId: String
    public var acceptanceEventId: String
    /// The presentation's offer, when the presentation is known.
    public var offerId: String?
    public var reason: RejectionReason
    /// The acceptance's time.
    public var occurredAt: EventTime
}

/// A string enum whose decoding error names the unknown value and the accepted ones.
public protocol StrictlyDecodedEnum: RawRepresentable<String>, CaseIterable, Decodable {}

extension StrictlyDecodedEnum {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let value = Self(rawValue: raw) else {
            let expected = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown value '\(raw)' (expected \(expected))")
        }
        self = value
    }
}
