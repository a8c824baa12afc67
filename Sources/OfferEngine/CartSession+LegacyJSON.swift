/// Reads a session in the JSON form the worker wrote to its changelog before the binary
/// format (the whole last `CartUpdated` event, text trigger signatures, acceptance event
/// ids), converting it to today's session. Only read, never written: a restored cart is
/// written back in the binary form at its next change.
///
/// Presentations stored this way did not record whether an item's quantity matched the
/// trigger; they convert as fixed quantities (what they were shown with).
extension CartSession: Decodable {
    private enum CodingKeys: String, CodingKey { case cart, presentations, presentationCounts, declinedOffers }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let presentations = try container.decode([String: LegacyPresentation].self, forKey: .presentations)
        self.init(
            cart: CartSnapshot(try container.decode(CartUpdated.self, forKey: .cart)),
            presentations: Presentations(presentations.mapValues(\.converted)),
            presentationCounts: try container.decodeIfPresent([String: Int].self, forKey: .presentationCounts) ?? [:],
            declinedOffers: try container.decodeIfPresent([String: EventTime].self, forKey: .declinedOffers) ?? [:])
    }
}

/// A presentation as the JSON session stored it; fields only `offer.presented` needed
/// (cartVersion, offerVersion, experimentArm) are read past.
private struct LegacyPresentation: Decodable {
    var presentationId: String
    var offerId: String
    var offerKind: OfferKind
    var triggerLineIds: [String]
    var triggerSignature: String
    var items: [OfferedItem]
    var presentedAt: EventTime
    var expiresAt: EventTime
    var acceptedBy: String?

    var converted: Presentation {
        Presentation(
            presentationId: presentationId, offerId: offerId, offerKind: offerKind, triggerLineIds: triggerLineIds,
            triggerSignature: Presentation.triggerSignature(legacy: triggerSignature),
            items: items.map { Presentation.Item($0, matchesTriggerQuantity: false) },
            presentedAt: presentedAt, expiresAt: expiresAt, isAccepted: acceptedBy != nil)
    }
}
