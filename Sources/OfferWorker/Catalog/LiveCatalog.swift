import OfferEngine
import Synchronization

/// The offers in force, merged from the catalog file and the catalog topic (a topic offer
/// replaces a file offer with the same offerId), replaced as a whole when a source changes.
///
/// A change that would make the catalog invalid is refused; the last good catalog stays.
public final class LiveCatalog: Sendable {
    private struct State {
        var fileOffers: [Offer]
        /// By offerId, with where each came from (`offers[partition 0, offset 12, key 'x']`).
        var topicOffers: [String: (offer: Offer, source: String)] = [:]
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

    /// Sets (or, with `nil`, removes) one offer from the topic; `source` names the record
    /// in problems.
    func setTopicOffer(_ offerId: String, _ offer: Offer?, source: String = "") throws(CatalogError) {
        try update { $0.topicOffers[offerId] = offer.map { ($0, source.isEmpty ? "topic offers['\(offerId)']" : source) } }
    }

    private func update(_ change: (inout State) -> Void) throws(CatalogError) {
        try state.withLock { (state: inout State) throws(CatalogError) in
            var next = state
            change(&next)
            let topicIds = Set(next.topicOffers.keys)
            // Each offer is named by where it came from, not by its place in the merge.
            var merged: [Offer] = next.fileOffers.filter { !topicIds.contains($0.offerId) }
            var paths = merged.map { "offers['\($0.offerId)']" }
            for offerId in next.topicOffers.keys.sorted() {
                merged.append(next.topicOffers[offerId]!.offer)
                paths.append(next.topicOffers[offerId]!.source)
            }
            next.catalog = try OfferCatalog(offers: merged, paths: paths)
            next.generation += 1
            state = next
        }
    }
}
