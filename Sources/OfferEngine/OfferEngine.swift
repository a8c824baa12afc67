/// Tunables of the offer engine.
public struct OfferEngineSettings: Sendable, Hashable {
    /// At most this many offers are shown to a cart at a time (default 3).
    public var maxOffersPerCart: Int
    /// How long a presentation is remembered after it expires, so that a late acceptance
    /// is answered `expired` (not `unknownPresentation`) and a repeated one is recognised.
    public var presentationRetentionSeconds: Int

    public init(maxOffersPerCart: Int = 3, presentationRetentionSeconds: Int = 3600) {
        self.maxOffersPerCart = maxOffersPerCart
        self.presentationRetentionSeconds = presentationRetentionSeconds
    }
}

/// What an acceptance leads to.
public enum AcceptanceOutcome: Sendable, Hashable {
    /// The cart changes.
    case mutation(CartMutation)
    /// The acceptance cannot be honoured.
    case rejected(OfferRejected)
    /// The presentation was already accepted: nothing new to emit.
    case alreadyAccepted
}

/// The offer logic: decides what a cart is shown and what an acceptance changes.
///
/// Pure: no I/O and no clock. The state of each cart lives in a ``CartSession`` the caller
/// keeps; given the same sessions and events, the engine returns the same outputs.
public struct OfferEngine: Sendable {
    public let catalog: OfferCatalog
    public let settings: OfferEngineSettings

    public init(catalog: OfferCatalog, settings: OfferEngineSettings = OfferEngineSettings()) {
        self.catalog = catalog
        self.settings = settings
    }

    /// Evaluates every live offer against an updated cart and returns the new presentations,
    /// in rank order.
    ///
    /// - The top `maxOffersPerCart` eligible offers (priority, then offerId) are shown.
    /// - An offer whose items are all in the cart already is not eligible, unless it sets
    ///   `showWhenItemsInCart`.
    /// - An offer shown earlier whose presentation is still open and whose trigger lines are
    ///   unchanged stays shown: it takes its place in the top N but is not presented again.
    /// - An event whose version is not newer than the session's changes nothing.
    public func cartUpdated(_ cart: CartUpdated, session: inout CartSession?) -> [OfferPresented] {
        if let existing = session, cart.version <= existing.cart.version { return [] }
        var current = session ?? CartSession(cart: cart)
        current.cart = cart
        forgetExpired(in: &current, at: cart.occurredAt)

        let cartVariants = Set(cart.lines.map(\.variantId))
        var shown = 0
        var presented: [OfferPresented] = []
        for offer in catalog.offers where shown < settings.maxOffersPerCart {
            guard offer.isLive(at: cart.occurredAt), offer.currency.map({ $0 == cart.currency }) ?? true,
                  offer.showWhenItemsInCart || !offer.items.allSatisfy({ cartVariants.contains($0.variantId) })
            else { continue }
            let match = offer.displayCriteria.evaluate(cart)
            guard match.isSatisfied else { continue }
            shown += 1

            let triggerLines = cart.lines.filter { match.triggerLineIds.contains($0.lineId) }
            let signature = triggerLines.map { "\($0.lineId)\u{1F}\($0.variantId)\u{1F}\($0.quantity)" }.joined(separator: "\u{1E}")
            if let earlier = current.livePresentation(of: offer.offerId, at: cart.occurredAt),
               earlier.triggerSignature == signature {
                continue
            }
            let presentation = Presentation(
                presentationId: EventID.presentation(cartId: cart.cartId, offerId: offer.offerId, cartEventId: cart.eventId),
                offerId: offer.offerId, offerKind: offer.kind, cartVersion: cart.version,
                triggerLineIds: triggerLines.map(\.lineId), triggerSignature: signature, items: offer.items,
                presentedAt: cart.occurredAt, expiresAt: offer.expiry(presentedAt: cart.occurredAt))
            current.presentations[presentation.presentationId] = presentation
            presented.append(presentation.event(cart: cart))
        }
        session = current
        return presented
    }

    /// Validates an acceptance against what the cart was shown.
    ///
    /// - Parameters:
    ///   - key: the record key the acceptance arrived under; it must be the body's cartId.
    ///   - session: the state of the acceptance's cart.
    public func offerAccepted(_ acceptance: OfferAccepted, key: String?, session: inout CartSession?) -> AcceptanceOutcome {
        func reject(_ reason: RejectionReason, cartId: String = acceptance.cartId, offerId: String? = nil) -> AcceptanceOutcome {
            .rejected(OfferRejected(
                eventId: EventID.derive("offer.rejected", acceptance.eventId),
                cartId: cartId, presentationId: acceptance.presentationId, acceptanceEventId: acceptance.eventId,
                offerId: offerId, reason: reason, occurredAt: acceptance.occurredAt))
        }
        // Answer on the key's cart: the rejection goes back where the acceptance came from.
        if let key, key != acceptance.cartId { return reject(.cartMismatch, cartId: key) }
        guard var current = session, let presentation = current.presentations[acceptance.presentationId] else {
            let foreign = EventID.presentation(acceptance.presentationId, belongsToAnotherCartThan: acceptance.cartId)
            return reject(foreign ? .cartMismatch : .unknownPresentation)
        }
        if presentation.acceptedBy != nil { return .alreadyAccepted }
        guard acceptance.occurredAt < presentation.expiresAt else {
            return reject(.expired, offerId: presentation.offerId)
        }

        var operations: [CartOperation] = []
        if presentation.offerKind == .upsell {
            let lineIds = Set(current.cart.lines.map(\.lineId))
            let remaining = presentation.triggerLineIds.filter(lineIds.contains)
            // Nothing left to replace: the shopper would get the upgrade on top of nothing.
            guard !remaining.isEmpty else { return reject(.cartMismatch, offerId: presentation.offerId) }
            operations += remaining.map { .removeLine(lineId: $0) }
        }
        operations += presentation.items.map {
            .addLine(productId: $0.productId, variantId: $0.variantId, quantity: $0.quantity, unitPrice: $0.unitPrice)
        }
        current.presentations[presentation.presentationId]?.acceptedBy = acceptance.eventId
        session = current
        return .mutation(CartMutation(
            eventId: EventID.derive("cart.mutation", presentation.presentationId),
            cartId: acceptance.cartId, presentationId: presentation.presentationId,
            acceptanceEventId: acceptance.eventId, offerId: presentation.offerId, offerKind: presentation.offerKind,
            basedOnCartVersion: current.cart.version, occurredAt: acceptance.occurredAt, operations: operations))
    }

    /// Drops presentations that expired more than the retention period before `time`.
    func forgetExpired(in session: inout CartSession, at time: EventTime) {
        let retention = settings.presentationRetentionSeconds
        session.presentations = session.presentations.filter { time < $0.value.expiresAt.adding(seconds: retention) }
    }
}
