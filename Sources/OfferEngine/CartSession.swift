/// What the engine remembers of one cart: its latest version and lines, the presentations
/// it was shown, how often capped offers were presented and which offers it declined.
///
/// Kept small on purpose: the worker holds one per live cart and writes it to its
/// changelog on every change, in the binary form of ``encode(into:relativeTo:)``. Sessions
/// written as JSON by earlier versions still decode (``init(from:)``).
public struct CartSession: Sendable, Hashable {
    /// The newest cart event seen, as far as later decisions need it.
    public var cart: CartSnapshot
    /// Presentations by presentationId, kept until they have been expired for the
    /// retention period.
    public var presentations: Presentations
    /// How many times each offer with a `maxPresentationsPerCart` was presented to this cart.
    /// Only capped offers still in the catalog are counted, and a count stops at the cap, so
    /// this stays as small as the catalog's capped offers.
    public var presentationCounts: [String: Int]
    /// The offers this cart declined, with the time of the (first) decline; never presented
    /// to it again. Offers no longer in the catalog are forgotten.
    public var declinedOffers: [String: EventTime]

    public init(
        cart: CartSnapshot, presentations: Presentations = [:], presentationCounts: [String: Int] = [:],
        declinedOffers: [String: EventTime] = [:]
    ) {
        self.cart = cart
        self.presentations = presentations
        self.presentationCounts = presentationCounts
        self.declinedOffers = declinedOffers
    }

    /// The trigger signature of the latest presentation of `offerId` that is still open at
    /// `time` (`nil`: none is), read in place.
    func liveTriggerSignature(of offerId: String, at time: EventTime) -> UInt64? {
        presentations.entries.withUnsafeBufferPointer { entries in
            var latest: Int?
            for index in entries.indices where time < entries[index].value.expiresAt && entries[index].value.offerId == offerId {
                if let current = latest,
                   (entries[index].value.presentedAt, entries[index].value.presentationId)
                   <= (entries[current].value.presentedAt, entries[current].value.presentationId) {
                    continue
                }
                latest = index
            }
            return latest.map { entries[$0].value.triggerSignature }
        }
    }
}
