import Metrics
import Synchronization

/// `offer_worker_offer_events_total{offer_id, event}`: presentations, mutations and
/// rejections per offer, for dashboards that compare offers.
///
/// A catalog of thousands of offers must not turn into thousands of series: the first
/// `labelLimit` offers seen get their own label, later ones are counted under
/// `offer_id="_other"`.
final class OfferEventCounters: Sendable {
    enum Event: String, CaseIterable { case presented, mutation, rejected }

    static let overflowLabel = "_other"

    private let labelLimit: Int
    private let factory: any MetricsFactory
    private let counters = Mutex<[String: [Counter]]>([:])

    init(labelLimit: Int, factory: any MetricsFactory) {
        self.labelLimit = labelLimit
        self.factory = factory
    }

    func increment(_ event: Event, offerId: String) {
        let counter = counters.withLock { counters -> Counter in
            if let known = counters[offerId] { return known[Self.index(of: event)] }
            let label = counters.count < labelLimit ? offerId : Self.overflowLabel
            if let overflow = counters[label] { return overflow[Self.index(of: event)] }
            let made = Event.allCases.map {
                Counter(label: "offer_worker_offer_events_total", dimensions: [("offer_id", label), ("event", $0.rawValue)], factory: factory)
            }
            counters[label] = made
            return made[Self.index(of: event)]
        }
        counter.increment()
    }

    /// The event's place in `Event.allCases`, without building that array on every count.
    private static func index(of event: Event) -> Int {
        switch event {
        case .presented: 0
        case .mutation: 1
        case .rejected: 2
        }
    }
}
