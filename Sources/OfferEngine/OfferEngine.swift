/// Tunables of the offer engine.
public struct OfferEngineSettings: Sendable, Hashable {
    /// At most this many offers are shown to a cart at a time (default 3).
    public var maxOffersPerCart: Int
    /// How long after it expires a presentation is still known: an acceptance in that
    /// window is answered `expired`, a later one `unknownPresentation` (judged on event
    /// times alone, whether or not the presentation was dropped yet).
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

/// What a decline leads to. It emits no event either way.
public enum DeclineOutcome: Sendable, Hashable {
    /// The offer is recorded as declined by the cart.
    case declined(offerId: String)
    /// The cart had declined this offer already.
    case alreadyDeclined(offerId: String)
    /// Nothing recorded: the key or the presentation belongs to another cart
    /// (`cartMismatch`), or the cart was never shown the presentation or it is long gone
    /// (`unknownPresentation`).
    case ignored(RejectionReason)
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
    ///   `showWhenItemsInCart`; nor is one with an item priced per currency but not in the
    ///   cart's, one the cart declined, or one whose holdout the cart is in.
    /// - An offer with an offered variant `availability` cannot supply (unavailable, or a
    ///   known quantity below what the offer adds) is not eligible: the next one takes its place.
    /// - Of eligible offers naming the same `exclusivityGroup`, only the first in rank is shown;
    ///   after a shown offer with `stopAfter`, no further offer is.
    /// - An offer shown earlier whose presentation is still open and whose trigger lines are
    ///   unchanged stays shown: it takes its place in the top N but is not presented again.
    /// - An offer presented `maxPresentationsPerCart` times to the cart is not presented again
    ///   (and, unless still shown as above, takes no place).
    /// - An event whose version is not newer than the session's changes nothing.
    ///
    /// Availability changes alone never re-evaluate a cart: the next cart event sees them.
    /// Only the offers the cart could satisfy are visited (``OfferCatalog/forEachCandidate(for:_:)``).
    public func cartUpdated(
        _ cart: CartUpdated, session: inout CartSession?, availability: ProductAvailability = .unrestricted
    ) -> [OfferPresented] {
        cartUpdated(cart, session: &session, availability: availability, indexed: true)
    }

    /// `indexed: false` visits every offer of the catalog: the plain evaluator the index is
    /// tested against.
    func cartUpdated(
        _ cart: CartUpdated, session: inout CartSession?, availability: ProductAvailability = .unrestricted, indexed: Bool
    ) -> [OfferPresented] {
        if let existing = session, cart.version <= existing.cart.version { return [] }
        // Taken out of `session`, so the presentations recorded below change the session's
        // storage in place instead of copying it.
        var current = prepareSession(for: cart, session.take())
        let facts = CartFacts(cart, vocabulary: catalog.vocabulary)
        var selection = Selection()
        let limit = settings.maxOffersPerCart
        // A plain loop rather than a visiting closure: a closure would copy the engine (and
        // retain every array of the catalog) it captures.
        if limit > 0 {
            if indexed {
                var candidates = catalog.candidateRanks(for: facts)
                while !selection.isComplete(limit: limit), let rank = candidates.next() {
                    _ = judge(rank: rank, facts: facts, session: &current, selection: &selection,
                              availability: availability, explaining: false)
                }
            } else {
                for rank in catalog.offers.indices where !selection.isComplete(limit: limit) {
                    _ = judge(rank: rank, facts: facts, session: &current, selection: &selection,
                              availability: availability, explaining: false)
                }
            }
        }
        session = current
        return selection.presented
    }

    /// Records that the shopper declined a presented offer: it is not presented to that cart
    /// again. Emits nothing.
    ///
    /// - Parameters:
    ///   - key: the record key the decline arrived under; it must be the body's cartId.
    ///   - session: the state of the decline's cart.
    public func offerDeclined(_ decline: OfferDeclined, key: String?, session: inout CartSession?) -> DeclineOutcome {
        if let key, key != decline.cartId { return .ignored(.cartMismatch) }
        // Past its retention a presentation is unknown, whether or not it was dropped yet.
        guard var current = session, let presentation = current.presentations[decline.presentationId],
              isRetained(presentation, at: decline.occurredAt)
        else {
            let foreign = EventID.presentation(decline.presentationId, belongsToAnotherCartThan: decline.cartId)
            return .ignored(foreign ? .cartMismatch : .unknownPresentation)
        }
        guard current.declinedOffers[presentation.offerId] == nil else { return .alreadyDeclined(offerId: presentation.offerId) }
        current.declinedOffers[presentation.offerId] = decline.occurredAt
        session = current
        return .declined(offerId: presentation.offerId)
    }

    /// Validates an acceptance against what the cart was shown.
    ///
    /// An acceptance whose items `availability` can no longer supply (in the quantities the
    /// mutation would add) is rejected `outOfStock`, and the presentation stays open: a
    /// restock lets a later acceptance through.
    ///
    /// - Parameters:
    ///   - key: the record key the acceptance arrived under; it must be the body's cartId.
    ///   - session: the state of the acceptance's cart.
    public func offerAccepted(
        _ acceptance: OfferAccepted, key: String?, session: inout CartSession?, availability: ProductAvailability = .unrestricted
    ) -> AcceptanceOutcome {
        func reject(_ reason: RejectionReason, cartId: String = acceptance.cartId, offerId: String? = nil) -> AcceptanceOutcome {
            .rejected(OfferRejected(
                eventId: EventID.derive("offer.rejected", acceptance.eventId),
                cartId: cartId, presentationId: acceptance.presentationId, acceptanceEventId: acceptance.eventId,
                offerId: offerId, reason: reason, occurredAt: acceptance.occurredAt))
        }
        // Answer on the key's cart: the rejection goes back where the acceptance came from.
        if let key, key != acceptance.cartId { return reject(.cartMismatch, cartId: key) }
        // Past its retention a presentation is unknown, whether or not it was dropped yet: the
        // answer depends on event times only, not on when the session was last pruned.
        guard var current = session, let presentation = current.presentations[acceptance.presentationId],
              isRetained(presentation, at: acceptance.occurredAt)
        else {
            let foreign = EventID.presentation(acceptance.presentationId, belongsToAnotherCartThan: acceptance.cartId)
            return reject(foreign ? .cartMismatch : .unknownPresentation)
        }
        if presentation.isAccepted { return .alreadyAccepted }
        guard acceptance.occurredAt < presentation.expiresAt else {
            return reject(.expired, offerId: presentation.offerId)
        }

        var operations: [CartOperation] = []
        // What the upsell actually removes: a `matchTrigger` item replaces that many.
        var removedQuantity: Int?
        if presentation.offerKind == .upsell {
            let remaining = presentation.triggerLineIds.compactMap { current.cart.line($0) }
            // Nothing left to replace: the shopper would get the upgrade on top of nothing.
            guard !remaining.isEmpty else { return reject(.cartMismatch, offerId: presentation.offerId) }
            operations += remaining.map { .removeLine(lineId: $0.lineId) }
            removedQuantity = remaining.reduce(0) { $0 + $1.quantity }
        }
        operations += presentation.items.map { item in
            let quantity = item.matchesTriggerQuantity ? removedQuantity ?? item.quantity : item.quantity
            return .addLine(productId: item.productId, variantId: item.variantId, quantity: quantity, unitPrice: item.unitPrice,
                            compareAtPrice: item.compareAtPrice)
        }
        if !availability.isEmpty {
            let added = operations.compactMap { operation -> (variantId: String, quantity: Int)? in
                guard case .addLine(_, let variantId, let quantity, _, _) = operation else { return nil }
                return (variantId, quantity)
            }
            if availability.firstShortfall(of: added) != nil { return reject(.outOfStock, offerId: presentation.offerId) }
        }
        current.presentations[presentation.presentationId]?.isAccepted = true
        session = current
        return .mutation(CartMutation(
            eventId: EventID.derive("cart.mutation", presentation.presentationId),
            cartId: acceptance.cartId, presentationId: presentation.presentationId,
            acceptanceEventId: acceptance.eventId, offerId: presentation.offerId, offerKind: presentation.offerKind,
            basedOnCartVersion: current.cart.version, occurredAt: acceptance.occurredAt, operations: operations))
    }

    /// Drops counts and declines of offers no longer in the catalog (or no longer capped), so
    /// a session stays bounded by the catalog.
    func forgetRetiredOffers(in session: inout CartSession) {
        if !session.presentationCounts.isEmpty {
            session.presentationCounts = session.presentationCounts.filter { catalog[$0.key]?.maxPresentationsPerCart != nil }
        }
        if !session.declinedOffers.isEmpty {
            session.declinedOffers = session.declinedOffers.filter { catalog[$0.key] != nil }
        }
    }

    /// Drops presentations that expired more than the retention period before `time`.
    func forgetExpired(in session: inout CartSession, at time: EventTime) {
        session.presentations.removeAll { !isRetained($0, at: time) }
    }

    /// Whether `presentation` is still known at `time`: less than the retention period
    /// after it expired. Later, it is answered as if never shown.
    func isRetained(_ presentation: Presentation, at time: EventTime) -> Bool {
        time < presentation.expiresAt.adding(seconds: settings.presentationRetentionSeconds)
    }
}
