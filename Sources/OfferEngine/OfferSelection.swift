/// The merchandising rules of one cart event, shared by evaluation and explanation: one
/// function decides each offer, so `offers explain` reports exactly what the worker does.
extension OfferEngine {
    /// What the offers visited so far for one cart event took.
    struct Selection {
        /// Offers shown (presented, or still shown from earlier).
        var shown = 0
        /// The offer shown for each exclusivity group.
        var groups: [String: String] = [:]
        /// The shown offer that set `stopAfter`.
        var stoppedBy: String?
        var presented: [OfferPresented] = []

        /// Whether no further offer can be shown.
        func isComplete(limit: Int) -> Bool { shown >= limit || stoppedBy != nil }
    }

    /// The session a cart event is evaluated against: `session` (or a new one) holding the
    /// cart, without expired presentations and retired offers.
    func prepareSession(for cart: CartUpdated, _ session: consuming CartSession?) -> CartSession {
        // A new cart's presentations get room for what this event can present, so its
        // inserts do not grow the dictionary one step at a time.
        var current = session ?? CartSession(
            cart: CartSnapshot(version: cart.version, lines: []),
            presentations: Presentations(minimumCapacity: min(max(settings.maxOffersPerCart, 0), 8)))
        // `CartSnapshot(cart)`, written over the previous snapshot: its lines' storage is
        // reused when the session holds the only reference, and lines are read in place.
        current.cart.version = cart.version
        current.cart.lines.removeAll(keepingCapacity: true)
        current.cart.lines.reserveCapacity(cart.lines.count)
        cart.lines.withUnsafeBufferPointer { lines in
            for index in lines.indices {
                current.cart.lines.append(CartSnapshot.Line(lineId: lines[index].lineId, quantity: lines[index].quantity))
            }
        }
        forgetExpired(in: &current, at: cart.occurredAt)
        forgetRetiredOffers(in: &current)
        return current
    }

    /// Decides one offer for a cart event, visited in rank order: presents it (recording the
    /// presentation in `current` and `selection`), or returns the first reason it is not.
    ///
    /// The order of the checks is the rule: an offer that is not eligible (inactive,
    /// criteria unmet, unavailable, capped, held out…) takes no place, so the next eligible
    /// one takes it; only an eligible offer claims its exclusivity group, counts against
    /// `maxOffersPerCart` and, with `stopAfter`, ends the selection.
    ///
    /// - Parameter explaining: find the failing condition's path when the criteria do not
    ///   hold (the hot path does not need it).
    ///
    /// The offer at `rank` is read in place through its ``CompiledOffer`` (`compiled.offer.x`),
    /// never copied: a copy of an `Offer` (even into a `borrowing` parameter) retains every field.
    func judge(
        rank: Int, facts: CartFacts, session current: inout CartSession,
        selection: inout Selection, availability: ProductAvailability, explaining: Bool
    ) -> OfferVerdict {
        let compiled = catalog.compiledOffers[rank]
        return judge(compiled, facts: facts, session: &current, selection: &selection,
                     availability: availability, explaining: explaining)
    }

    private func judge(
        _ compiled: CompiledOffer, facts: CartFacts, session current: inout CartSession,
        selection: inout Selection, availability: ProductAvailability, explaining: Bool
    ) -> OfferVerdict {
        let cart = facts.cart
        guard compiled.offer.status == .active else { return .inactive(compiled.offer.status) }
        guard compiled.offer.isLive(at: cart.occurredAt) else { return .outOfSchedule }
        guard compiled.offer.currency.map({ $0 == cart.currency }) ?? true, compiled.itemsArePriced(in: cart.currency) else {
            return .otherCurrency
        }
        guard current.declinedOffers.isEmpty || current.declinedOffers[compiled.offer.offerId] == nil else { return .declined }
        guard compiled.offer.showWhenItemsInCart || !compiled.itemVariantIds.allSatisfy({ facts.containsVariant($0) }) else { return .itemsInCart }
        var matched = LineSet()
        guard compiled.criteria.holds(in: facts, triggers: &matched) else {
            return .criteriaUnmet(explaining ? compiled.offer.displayCriteria.firstFailure(in: cart) : Self.unexplained)
        }
        let triggerLines = facts.triggerLines(matched)
        guard let items = compiled.resolvedItems(currency: cart.currency, triggerQuantity: facts.totalQuantity(of: triggerLines)) else {
            return .otherCurrency
        }
        // Most offers name no tracked variant: no tally for them.
        if !availability.isEmpty, items.contains(where: { availability[$0.variantId] != nil }),
           let short = availability.firstShortfall(of: items.map { ($0.variantId, $0.quantity) }) {
            return .unavailable(variantId: short.variantId, reason: short.reason)
        }
        let signature = facts.triggerSignature(of: triggerLines)
        let stillShown = current.liveTriggerSignature(of: compiled.offer.offerId, at: cart.occurredAt) == signature
        if !stillShown {
            if let cap = compiled.offer.maxPresentationsPerCart, current.presentationCounts[compiled.offer.offerId, default: 0] >= cap { return .capped(cap) }
            if compiled.offer.holdsOut(cartId: cart.cartId) { return .heldOut }
        }
        if let by = selection.stoppedBy { return .stopped(by: by) }
        if let group = compiled.offer.exclusivityGroup, let by = selection.groups[group] { return .outranked(group: group, by: by) }
        if selection.shown >= settings.maxOffersPerCart { return .beyondLimit(settings.maxOffersPerCart) }

        selection.shown += 1
        if let group = compiled.offer.exclusivityGroup { selection.groups[group] = compiled.offer.offerId }
        if compiled.offer.stopAfter { selection.stoppedBy = compiled.offer.offerId }
        if stillShown { return .stillShown }

        let presentationId = EventID.presentation(
            cartTag: facts.cartTag, cartId: cart.cartId, offerId: compiled.offer.offerId, cartEventId: cart.eventId)
        let triggerLineIds = facts.lineIds(of: triggerLines)
        let expiresAt = compiled.offer.expiry(presentedAt: cart.occurredAt)
        if selection.presented.isEmpty {
            // Room for every presentation this event can still make (this one included): one
            // allocation instead of one per presentation. (The session's presentations were
            // given room when it was decoded or made.)
            selection.presented.reserveCapacity(min(settings.maxOffersPerCart - selection.shown + 1, 4))
        }
        current.presentations[presentationId] = Presentation(
            presentationId: presentationId, offerId: compiled.offer.offerId, offerKind: compiled.offer.kind,
            triggerLineIds: triggerLineIds, triggerSignature: signature,
            items: compiled.presentationItems(items),
            presentedAt: cart.occurredAt, expiresAt: expiresAt)
        if let cap = compiled.offer.maxPresentationsPerCart {
            current.presentationCounts[compiled.offer.offerId] = min(cap, current.presentationCounts[compiled.offer.offerId, default: 0] + 1)
        }
        selection.presented.append(OfferPresented(
            eventId: EventID.derive("offer.presented", presentationId),
            presentationId: presentationId, cartId: cart.cartId, cartVersion: cart.version, cartEventId: cart.eventId,
            offerId: compiled.offer.offerId, offerKind: compiled.offer.kind, triggerLineIds: triggerLineIds, items: items,
            occurredAt: cart.occurredAt, expiresAt: expiresAt, offerVersion: compiled.offer.version,
            experimentArm: compiled.offer.holdoutPercent == nil ? nil : .treatment))
        return .presented
    }

    /// Stands in for the failing condition on the hot path, which does not look for it.
    private static let unexplained = CriteriaFailure(path: "displayCriteria", reason: "does not hold")

    /// Every offer of the catalog, in rank order, with whether `cart` would be shown it and
    /// why not: the worker's own evaluation (the same checks in the same order), visiting
    /// every offer instead of stopping when the cart's offers are chosen.
    ///
    /// `session` is the cart's state (declines, caps, open presentations); the cart is
    /// evaluated as the next event of that session whatever its version. Nothing is kept.
    public func explain(
        _ cart: CartUpdated, session: CartSession? = nil, availability: ProductAvailability = .unrestricted
    ) -> [OfferExplanation] {
        var current = prepareSession(for: cart, session)
        let facts = CartFacts(cart, vocabulary: catalog.vocabulary)
        var selection = Selection()
        return catalog.offers.indices.map { rank in
            let offer = catalog.offers[rank]
            let before = selection.presented.count
            let verdict = judge(rank: rank, facts: facts, session: &current, selection: &selection,
                                availability: availability, explaining: true)
            return OfferExplanation(offerId: offer.offerId, priority: offer.priority, verdict: verdict,
                                    presentation: selection.presented.count > before ? selection.presented.last : nil)
        }
    }
}
