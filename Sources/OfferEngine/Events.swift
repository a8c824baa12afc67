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
public struct OfferedItem: Codable, Sendable, Hashable {
    public var productId: String
    public var variantId: String
    public var quantity: Int
    public var unitPrice: DecimalAmount
    /// The price shown struck through, when the offer is a discount.
    public var compareAtPrice: DecimalAmount?

    public init(productId: String, variantId: String, quantity: Int, unitPrice: DecimalAmount, compareAtPrice: DecimalAmount? = nil) {
        self.productId = productId
        self.variantId = variantId
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.compareAtPrice = compareAtPrice
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
}

/// One change to a cart.
public enum CartOperation: Codable, Sendable, Hashable {
    case removeLine(lineId: String)
    case addLine(productId: String, variantId: String, quantity: Int, unitPrice: DecimalAmount)

    private enum CodingKeys: String, CodingKey { case op, lineId, productId, variantId, quantity, unitPrice }

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
                unitPrice: try container.decode(DecimalAmount.self, forKey: .unitPrice))
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
        case .addLine(let productId, let variantId, let quantity, let unitPrice):
            try container.encode("addLine", forKey: .op)
            try container.encode(productId, forKey: .productId)
            try container.encode(variantId, forKey: .variantId)
            try container.encode(quantity, forKey: .quantity)
            try container.encode(unitPrice, forKey: .unitPrice)
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
