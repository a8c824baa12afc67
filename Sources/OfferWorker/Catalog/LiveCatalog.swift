import OfferEngine
import Synchronization

/// The offers in force, merged from the catalog file and the catalog topic (a topic offer
/// replaces a file offer with the same offerId), replaced as a whole when a source changes.
///
/// A change that would make the catalog invalid is refused; the last good catalog stays.
public final class LiveCatalog: Sendable {
    private struct State {
        var fileOffers: [Offer]
        var topicOffers: [String: Offer] = [:]
        var catalog: OfferCatalog
        var generation = 0
    }

    private let state: Mutex<State>

    public init(_ catalog: OfferCatalog) {
        state = Mutex(State(fileOffers: catalog.offers, catalog: catalog))
    }

    /// The catalog in force and a number that changes whenever it does.
    public var current: (catalog: OfferCatalog, generation: Int) {
        state.withLock { ($0.catalog, $0.generation) }
    }

    /// Replaces the file's offers.
    func replaceFileOffers(_ offers: [Offer]) throws(CatalogError) {
        try update { $0.fileOffers = offers }
    }

    /// Sets (or, with `nil`, removes) one offer from the topic.
    func setTopicOffer(_ offerId: String, _ offer: Offer?) throws(CatalogError) {
        try update { $0.topicOffers[offerId] = offer }
    }

    private func update(_ change: (inout State) -> Void) throws(CatalogError) {
        try state.withLock { (state: inout State) throws(CatalogError) in
            var next = state
            change(&next)
            let topicIds = Set(next.topicOffers.keys)
            var merged: [Offer] = next.fileOffers.filter { !topicIds.contains($0.offerId) }
            for offerId in next.topicOffers.keys.sorted() { merged.append(next.topicOffers[offerId]!) }
            next.catalog = try OfferCatalog(offers: merged)
            next.generation += 1
            state = next
        }
    }
}
