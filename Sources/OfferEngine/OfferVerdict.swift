/// What evaluating one offer against one cart event decided: shown, or the first reason it
/// was not. The engine's own evaluation produces it (``OfferEngine/explain(_:session:availability:)``
/// reports it per offer), so an explanation cannot drift from what the worker does.
public enum OfferVerdict: Sendable, Hashable {
    /// Presented to this cart event.
    case presented
    /// Shown earlier, its presentation still open and its trigger lines unchanged: it keeps
    /// its place among the cart's offers without being presented again.
    case stillShown
    /// The offer's status is not `active`.
    case inactive(OfferStatus)
    /// Before `startsAt` or from `endsAt` on.
    case outOfSchedule
    /// The offer (or one of its items) has no price in the cart's currency.
    case otherCurrency
    /// The cart declined the offer.
    case declined
    /// Every offered variant is in the cart already (and `showWhenItemsInCart` is not set).
    case itemsInCart
    /// The display criteria do not hold: the first failing condition.
    case criteriaUnmet(CriteriaFailure)
    /// An offered variant cannot be supplied in the quantity the offer would add.
    case unavailable(variantId: String, reason: String)
    /// Presented `maxPresentationsPerCart` times to this cart already.
    case capped(Int)
    /// The cart is in the offer's holdout (control group).
    case heldOut
    /// A higher-ranked offer of the same `exclusivityGroup` is shown.
    case outranked(group: String, by: String)
    /// A higher-ranked shown offer set `stopAfter`.
    case stopped(by: String)
    /// The cart was shown `maxOffersPerCart` higher-ranked offers already.
    case beyondLimit(Int)

    /// Whether the cart sees the offer after this event.
    public var isShown: Bool {
        switch self {
        case .presented, .stillShown: true
        default: false
        }
    }

    /// A stable name for the verdict (`criteriaUnmet`, `outranked`), as in `--format json`.
    public var code: String {
        switch self {
        case .presented: "presented"
        case .stillShown: "stillShown"
        case .inactive: "inactive"
        case .outOfSchedule: "outOfSchedule"
        case .otherCurrency: "otherCurrency"
        case .declined: "declined"
        case .itemsInCart: "itemsInCart"
        case .criteriaUnmet: "criteriaUnmet"
        case .unavailable: "unavailable"
        case .capped: "capped"
        case .heldOut: "heldOut"
        case .outranked: "outranked"
        case .stopped: "stopped"
        case .beyondLimit: "beyondLimit"
        }
    }

    /// What a merchant reads: `displayCriteria.all[1].subtotal.gte: 799.00 < 5000.00`,
    /// `outranked in exclusivity group 'protection' by 'care-plus'`.
    public var detail: String {
        switch self {
        case .presented: "presented"
        case .stillShown: "still shown: presented earlier, its presentation is open and its trigger lines are unchanged"
        case .inactive(let status): "inactive: status is \(status.rawValue)"
        case .outOfSchedule: "out of schedule (startsAt/endsAt)"
        case .otherCurrency: "not priced in the cart's currency"
        case .declined: "declined by this cart"
        case .itemsInCart: "offered items already in the cart"
        case .criteriaUnmet(let failure): failure.description
        case .unavailable(let variantId, let reason): "unavailable: \(variantId) \(reason)"
        case .capped(let cap): "capped: presented \(cap) times to this cart (maxPresentationsPerCart)"
        case .heldOut: "held out: the cart is in the offer's control group (holdoutPercent)"
        case .outranked(let group, let by): "outranked in exclusivity group '\(group)' by '\(by)'"
        case .stopped(let by): "stopped by higher offer '\(by)' (stopAfter)"
        case .beyondLimit(let limit): "beyond the per-cart limit of \(limit) offers"
        }
    }
}

/// The first condition of an offer's display criteria that does not hold, with its path.
public struct CriteriaFailure: Sendable, Hashable, CustomStringConvertible {
    /// Where it is in the offer: `displayCriteria.all[1].subtotal.gte`.
    public var path: String
    /// What the cart has against what the condition asks: `799.00 < 5000.00`.
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// One offer's verdict for a cart, as ``OfferEngine/explain(_:session:availability:)``
/// returns it, in catalog rank order.
public struct OfferExplanation: Sendable, Hashable {
    public var offerId: String
    public var priority: Int
    public var verdict: OfferVerdict
    /// The presentation, when the verdict is `presented`.
    public var presentation: OfferPresented?

    public init(offerId: String, priority: Int, verdict: OfferVerdict, presentation: OfferPresented? = nil) {
        self.offerId = offerId
        self.priority = priority
        self.verdict = verdict
        self.presentation = presentation
    }
}
