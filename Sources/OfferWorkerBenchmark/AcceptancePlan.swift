import OfferEngine

/// The workload's acceptances: one `offer.accepted` per 20 cart events, each accepting a
/// presentation the worker really made, found by running the engine over the same cart
/// events (its presentation ids are deterministic).
///
/// Each accepts a presentation from the final session of a cart (a cart taken at most once,
/// carts spread evenly over the stream), and must reach the worker after that cart's last
/// event: nothing the acceptance changes can then alter what the cart is presented, so the
/// engine run here and the worker agree on every presentation id whatever the interleaving.
struct AcceptancePlan {
    struct Acceptance {
        /// The stream position of the cart's last event, which must be processed first.
        var after: Int
        var event: OfferAccepted
    }

    /// In stream order of ``Acceptance/after``.
    let acceptances: [Acceptance]
    /// The `offer.presented` events the cart events cause.
    let presentations: Int

    init(events: [CartUpdated], engine: OfferEngine, every: Int = 20) {
        var sessions: [String: CartSession] = [:]
        var last: [String: Int] = [:]
        var presentations = 0
        for (position, event) in events.enumerated() {
            var session = sessions[event.cartId]
            presentations += engine.cartUpdated(event, session: &session).count
            sessions[event.cartId] = session
            last[event.cartId] = position
        }
        self.presentations = presentations
        let candidates = last.filter { !(sessions[$0.key]?.presentations.isEmpty ?? true) }.sorted { $0.value < $1.value }
        let wanted = min(events.count / every, candidates.count)
        var acceptances: [Acceptance] = []
        for index in 0..<wanted {
            let (cartId, position) = candidates[index * candidates.count / wanted]
            let session = sessions[cartId]!
            let presentation = session.presentations.values.max { ($0.presentedAt, $0.presentationId) < ($1.presentedAt, $1.presentationId) }!
            acceptances.append(Acceptance(after: position, event: OfferAccepted(
                eventId: "accept-\(Workload.pad(index, 8))-4000-8000-\(Workload.pad(position, 12))", cartId: cartId,
                presentationId: presentation.presentationId, occurredAt: events[position].occurredAt.adding(seconds: 10))))
        }
        self.acceptances = acceptances
    }
}
