import OfferEngine

/// What one replay did, per offer: the figures a merchandiser compares between catalogs.
///
/// Counted from what the worker would have published (and, for declines, from the state it
/// would have kept), never estimated: presentations are `offer.presented` records,
/// acceptances honoured are `cart.mutation` records, rejections are `offer.rejected` records
/// by reason, declines are `offer.declined` events the worker recorded for the cart, and the
/// presented value is the sum of the presented items (unit price times quantity) per cart
/// currency, in exact decimals. Every offer of the catalog has a row, presented or not.
public struct WhatIfReport: Codable, Sendable, Hashable {
    /// One offer's figures.
    public struct OfferFigures: Codable, Sendable, Hashable {
        public var offerId: String
        /// Whether the replayed catalog has the offer (an offer only in restored state or in
        /// the other catalog of a comparison does not).
        public var inCatalog: Bool
        public var presentations = 0
        public var acceptancesHonoured = 0
        /// Rejected acceptances by reason; every reason is listed.
        public var rejected: [String: Int] = Dictionary(uniqueKeysWithValues: RejectionReason.allCases.map { ($0.rawValue, 0) })
        public var declines = 0
        /// By ISO 4217 currency: the sum of unit price times quantity of every presented item.
        public var presentedValue: [String: DecimalAmount] = [:]

        public init(offerId: String, inCatalog: Bool) {
            self.offerId = offerId
            self.inCatalog = inCatalog
        }

        /// Rejections of every reason.
        public var rejectedTotal: Int { rejected.values.reduce(0, +) }
    }

    /// The catalog replayed (its file name).
    public var catalog: String
    public var inputRecords = 0
    public var inputRecordsByTopic: [String: Int] = [:]
    public var outputRecordsByTopic: [String: Int] = [:]
    public var deadLetters = 0
    public var idleCartsEvicted = 0
    /// Rejections whose presentation is unknown, so no offer can be named, by reason.
    public var rejectedWithoutOffer: [String: Int] = Dictionary(uniqueKeysWithValues: RejectionReason.allCases.map { ($0.rawValue, 0) })
    /// By offerId.
    public var offers: [OfferFigures] = []

    public init(catalog: String) {
        self.catalog = catalog
    }

    /// The row of `offerId`, if any.
    public func figures(of offerId: String) -> OfferFigures? {
        offers.first { $0.offerId == offerId }
    }
}
