/// What the engine remembers of one cart: its latest contents, the presentations it was
/// shown, how often capped offers were presented and which offers it declined. Codable, so
/// it can be written to a changelog and restored (sessions written before the counts and
/// declines existed decode with none).
public struct CartSession: Codable, Sendable, Hashable {
    /// The newest cart event seen.
    public var cart: CartUpdated
    /// Presentations by presentationId, kept until they have been expired for the
    /// retention period.
    public var presentations: [String: Presentation]
    /// How many times each offer with a `maxPresentationsPerCart` was presented to this cart.
    /// Only capped offers still in the catalog are counted, and a count stops at the cap, so
    /// this stays as small as the catalog's capped offers.
    public var presentationCounts: [String: Int]
    /// The offers this cart declined, with the time of the (first) decline; never presented
    /// to it again. Offers no longer in the catalog are forgotten.
    public var declinedOffers: [String: EventTime]

    public init(
        cart: CartUpdated, presentations: [String: Presentation] = [:], presentationCounts: [String: Int] = [:],
        declinedOffers: [String: EventTime] = [:]
    ) {
        self.cart = cart
        self.presentations = presentations
        self.presentationCounts = presentationCounts
        self.declinedOffers = declinedOffers
    }

    private enum CodingKeys: String, CodingKey { case cart, presentations, presentationCounts, declinedOffers }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            cart: try container.decode(CartUpdated.self, forKey: .cart),
            presentations: try container.decode([String: Presentation].self, forKey: .presentations),
            presentationCounts: try container.decodeIfPresent([String: Int].self, forKey: .presentationCounts) ?? [:],
            declinedOffers: try container.decodeIfPresent([String: EventTime].self, forKey: .declinedOffers) ?? [:])
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(cart, forKey: .cart)
        try container.encode(presentations, forKey: .presentations)
        if !presentationCounts.isEmpty { try container.encode(presentationCounts, forKey: .presentationCounts) }
        if !declinedOffers.isEmpty { try container.encode(declinedOffers, forKey: .declinedOffers) }
    }

    /// The latest presentation of `offerId` that is still open at `time`.
    func livePresentation(of offerId: String, at time: EventTime) -> Presentation? {
        var latest: Presentation?
        for presentation in presentations.values where presentation.offerId == offerId && time < presentation.expiresAt {
            if let current = latest,
               (presentation.presentedAt, presentation.presentationId) <= (current.presentedAt, current.presentationId) {
                continue
            }
            latest = presentation
        }
        return latest
    }
}

/// An offer shown to a cart, as the engine needs it to honour an acceptance later, even
/// after the catalog changes: the items are stored resolved (quantities and prices as shown).
public struct Presentation: Codable, Sendable, Hashable {
    public var presentationId: String
    public var offerId: String
    public var offerKind: OfferKind
    public var cartVersion: Int64
    /// The lines that matched, in cart order.
    public var triggerLineIds: [String]
    /// Identifies the trigger lines' contents (line, variant, quantity); a cart change
    /// that alters it allows the offer to be presented again.
    public var triggerSignature: String
    public var items: [OfferedItem]
    public var presentedAt: EventTime
    public var expiresAt: EventTime
    /// The acceptance that turned this presentation into a mutation, once accepted.
    public var acceptedBy: String?
    /// The offer's version when presented (1 for presentations stored before versions).
    public var offerVersion: Int
    /// `treatment` when the offer had a holdout.
    public var experimentArm: ExperimentArm?

    init(
        presentationId: String, offerId: String, offerKind: OfferKind, cartVersion: Int64, triggerLineIds: [String],
        triggerSignature: String, items: [OfferedItem], presentedAt: EventTime, expiresAt: EventTime, acceptedBy: String? = nil,
        offerVersion: Int = 1, experimentArm: ExperimentArm? = nil
    ) {
        self.presentationId = presentationId
        self.offerId = offerId
        self.offerKind = offerKind
        self.cartVersion = cartVersion
        self.triggerLineIds = triggerLineIds
        self.triggerSignature = triggerSignature
        self.items = items
        self.presentedAt = presentedAt
        self.expiresAt = expiresAt
        self.acceptedBy = acceptedBy
        self.offerVersion = offerVersion
        self.experimentArm = experimentArm
    }

    private enum CodingKeys: String, CodingKey {
        case presentationId, offerId, offerKind, cartVersion, triggerLineIds, triggerSignature, items, presentedAt, expiresAt, acceptedBy
        case offerVersion, experimentArm
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            presentationId: try container.decode(String.self, forKey: .presentationId),
            offerId: try container.decode(String.self, forKey: .offerId),
            offerKind: try container.decode(OfferKind.self, forKey: .offerKind),
            cartVersion: try container.decode(Int64.self, forKey: .cartVersion),
            triggerLineIds: try container.decode([String].self, forKey: .triggerLineIds),
            triggerSignature: try container.decode(String.self, forKey: .triggerSignature),
            items: try container.decode([OfferedItem].self, forKey: .items),
            presentedAt: try container.decode(EventTime.self, forKey: .presentedAt),
            expiresAt: try container.decode(EventTime.self, forKey: .expiresAt),
            acceptedBy: try container.decodeIfPresent(String.self, forKey: .acceptedBy),
            offerVersion: try container.decodeIfPresent(Int.self, forKey: .offerVersion) ?? 1,
            experimentArm: try container.decodeIfPresent(ExperimentArm.self, forKey: .experimentArm))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(presentationId, forKey: .presentationId)
        try container.encode(offerId, forKey: .offerId)
        try container.encode(offerKind, forKey: .offerKind)
        try container.encode(cartVersion, forKey: .cartVersion)
        try container.encode(triggerLineIds, forKey: .triggerLineIds)
        try container.encode(triggerSignature, forKey: .triggerSignature)
        try container.encode(items, forKey: .items)
        try container.encode(presentedAt, forKey: .presentedAt)
        try container.encode(expiresAt, forKey: .expiresAt)
        try container.encodeIfPresent(acceptedBy, forKey: .acceptedBy)
        try container.encode(offerVersion, forKey: .offerVersion)
        try container.encodeIfPresent(experimentArm, forKey: .experimentArm)
    }

    /// The `offer.presented` event for this presentation.
    func event(cart: CartUpdated) -> OfferPresented {
        OfferPresented(
            eventId: EventID.derive("offer.presented", presentationId),
            presentationId: presentationId, cartId: cart.cartId, cartVersion: cartVersion, cartEventId: cart.eventId,
            offerId: offerId, offerKind: offerKind, triggerLineIds: triggerLineIds, items: items,
            occurredAt: presentedAt, expiresAt: expiresAt, offerVersion: offerVersion, experimentArm: experimentArm)
    }
}
