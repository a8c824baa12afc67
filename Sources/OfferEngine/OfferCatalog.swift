import Foundation

/// A validated set of offers, ranked for evaluation.
public struct OfferCatalog: Sendable, Hashable {
    /// The offers by rank: priority descending, then offerId.
    public let offers: [Offer]
    private let byId: [String: Offer]
    /// Offers by what their `cartContains` conditions look for.
    let index: OfferIndex

    /// Validates `offers`; throws every problem, each with its path.
    public init(offers: [Offer]) throws(CatalogError) {
        var problems: [String] = []
        var seen = Set<String>()
        for (index, offer) in offers.enumerated() {
            problems += offer.problems(at: "offers[\(index)]")
            if !seen.insert(offer.offerId).inserted {
                problems.append("offers[\(index)].offerId: '\(offer.offerId)' is used by an earlier offer")
            }
        }
        guard problems.isEmpty else { throw CatalogError(problems: problems) }
        self.offers = offers.sorted { ($1.priority, $0.offerId) < ($0.priority, $1.offerId) }
        self.byId = Dictionary(uniqueKeysWithValues: offers.map { ($0.offerId, $0) })
        self.index = OfferIndex(offers: self.offers)
    }

    /// Loads a catalog document, `{"offers": [...]}`, reporting every problem of every offer
    /// (not only the first), each with its path.
    public static func load(json: Data) throws(CatalogError) -> OfferCatalog {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: json)
        } catch {
            throw CatalogError(problems: ["not valid JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? error)"])
        }
        guard let document = root as? [String: Any], let entries = document["offers"] as? [Any] else {
            throw CatalogError(problems: ["$: expected an object with an \"offers\" array"])
        }
        var offers: [Offer] = []
        var problems: [String] = []
        for (index, entry) in entries.enumerated() {
            do {
                let data = try JSONSerialization.data(withJSONObject: entry, options: [.fragmentsAllowed])
                offers.append(try JSONDecoder().decode(Offer.self, from: data))
            } catch is DecodingError {
                problems += OfferDecodingProblems.find(in: entry, at: "offers[\(index)]")
            } catch {
                problems.append("offers[\(index)]: \(error)")
            }
        }
        guard problems.isEmpty else { throw CatalogError(problems: problems) }
        return try OfferCatalog(offers: offers)
    }

    /// Calls `body` with each offer `cart` could satisfy, in rank order, until it returns
    /// `false`: the offers whose criteria require a `cartContains` match one of the cart's
    /// lines could give, and every offer whose criteria do not. The cost follows the
    /// cart's lines and the offers they hit, not the catalog's size.
    public func forEachCandidate(for cart: CartUpdated, _ body: (Offer) -> Bool) {
        index.forEachCandidate(of: cart.lines) { body(offers[$0]) }
    }

    /// The offer with this id.
    public subscript(offerId: String) -> Offer? { byId[offerId] }

    public static func == (lhs: OfferCatalog, rhs: OfferCatalog) -> Bool { lhs.offers == rhs.offers }
    public func hash(into hasher: inout Hasher) { hasher.combine(offers) }
}

/// A catalog that cannot be used, with every problem and its path
/// (`offers[3].displayCriteria.all[1].subtotal.gte: not a decimal string: 'x'`).
public struct CatalogError: Error, Sendable, Hashable, CustomStringConvertible {
    public var problems: [String]

    public init(problems: [String]) { self.problems = problems }

    public var description: String {
        "invalid offer catalog:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
