/// What the engine remembers of one cart: its latest contents and the presentations it was
/// shown. Codable, so it can be written to a changelog and restored.
public struct CartSession: Codable, Sendable, Hashable {
    /// The newest cart event seen.
    public var cart: CartUpdated
    /// Presentations by presentationId, kept until they have been expired for the
    /// retention period.
    public var presentations: [String: Presentation]

    public init(cart: CartUpdated, presentations: [String: Presentation] = [:]) {
        self.cart = cart
        self.presentations = presentations
    }

    /// The latest presentation of `offerId` that is still open at `time`.
    func livePresentation(of offerId: String, at time: EventTime) -> Presentation? {
        presentations.values
            .filter { $0.offerId == offerId && time < $0.expiresAt }
            .max { ($0.presentedAt, $0.presentationId) < ($1.presentedAt, $1.presentationId) }
    }
}

/// An offer shown to a cart, as the engine needs it to honour an acceptance later, even
/// after the catalog changes.
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

    /// The `offer.presented` event for this presentation.
    func event(cart: CartUpdated) -> OfferPresented {
        OfferPresented(
            eventId: EventID.derive("offer.presented", presentationId),
            presentationId: presentationId, cartId: cart.cartId, cartVersion: cartVersion, cartEventId: cart.eventId,
            offerId: offerId, offerKind: offerKind, triggerLineIds: triggerLineIds, items: items,
            occurredAt: presentedAt, expiresAt: expiresAt)
    }
}
