import Foundation

/// A validated set of offers, ranked for evaluation.
public struct OfferCatalog: Sendable, Hashable {
    /// The offers by rank: priority descending, then offerId.
    public let offers: [Offer]
    private let byId: [String: Offer]
    /// Offers by what their `cartContains` conditions look for.
    let index: OfferIndex
    /// Each offer with its display criteria compiled and what judging it reads worked out,
    /// by rank.
    let compiledOffers: [CompiledOffer]
    /// The values the offers' criteria name, numbered: a cart event codes its lines in it
    /// once, and criteria and index compare the codes.
    let vocabulary: CatalogVocabulary

    /// Validates `offers`; throws every problem, each with its path (`offers[3].ttlSeconds`).
    public init(offers: [Offer]) throws(CatalogError) {
        try self.init(offers: offers, paths: offers.indices.map { "offers[\($0)]" })
    }

    /// Validates `offers`, naming each offer in problems by its entry in `paths` (where it
    /// came from: `offers.json offers[3]`, `offers topic partition 0 offset 12`), so a
    /// catalog merged from several sources reports problems where they can be fixed.
    public init(offers: [Offer], paths: [String]) throws(CatalogError) {
        precondition(paths.count == offers.count, "one path per offer")
        var problems: [String] = []
        var seen = Set<String>()
        for (offer, path) in zip(offers, paths) {
            problems += offer.problems(at: path)
            if !seen.insert(offer.offerId).inserted {
                problems.append("\(path).offerId: '\(offer.offerId)' is used by an earlier offer")
            }
        }
        guard problems.isEmpty else { throw CatalogError(problems: problems) }
        self.init(validated: offers)
    }

    private init(validated offers: [Offer]) {
        self.offers = offers.sorted { ($1.priority, $0.offerId) < ($0.priority, $1.offerId) }
        self.byId = Dictionary(uniqueKeysWithValues: offers.map { ($0.offerId, $0) })
        let vocabulary = CatalogVocabulary(offers: self.offers)
        self.vocabulary = vocabulary
        self.index = OfferIndex(offers: self.offers, vocabulary: vocabulary)
        self.compiledOffers = self.offers.map { CompiledOffer($0, vocabulary: vocabulary) }
    }

    /// Loads a catalog document, `{"offers": [...]}`, reporting every problem of every offer
    /// in one go (unknown fields, wrong types, and the rules decoding cannot see, such as an
    /// unknown time zone or a duplicate offerId), each with its path.
    public static func load(json: Data) throws(CatalogError) -> OfferCatalog {
        if let syntax = JSONSyntax.problem(in: json) { throw CatalogError(problems: [syntax]) }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: json)
        } catch {
            throw CatalogError(problems: [JSONSyntax.problem(in: json, error: error)])
        }
        guard let document = root as? [String: Any], let entries = document["offers"] as? [Any] else {
            throw CatalogError(problems: [#"$: expected an object with an "offers" array"#])
        }
        var problems = document.keys.filter { $0 != "offers" }.sorted().map { "\($0): \(UnknownFields.problem($0, known: ["offers"]))" }
        var offers: [Offer] = []
        var seen = Set<String>()
        for (index, entry) in entries.enumerated() {
            let path = "offers[\(index)]"
            let outcome = OfferDecodingProblems.decode(entry, at: path)
            problems += outcome.problems
            if let offerId = outcome.offerId, !seen.insert(offerId).inserted {
                problems.append("\(path).offerId: '\(offerId)' is used by an earlier offer")
            }
            if let offer = outcome.offer { offers.append(offer) }
        }
        guard problems.isEmpty else { throw CatalogError(problems: problems) }
        return OfferCatalog(validated: offers)
    }

    /// Decodes and validates one offer (a record of the catalog topic), reporting every
    /// problem with its path under `path` (`$.items[0].unitPrice`). Whether it fits the
    /// rest of the catalog (a duplicate offerId) is checked when it joins one.
    public static func loadOffer(json: Data, at path: String = "$") throws(CatalogError) -> Offer {
        if let syntax = JSONSyntax.problem(in: json) { throw CatalogError(problems: [syntax]) }
        let entry: Any
        do {
            entry = try JSONSerialization.jsonObject(with: json)
        } catch {
            throw CatalogError(problems: [JSONSyntax.problem(in: json, error: error)])
        }
        let outcome = OfferDecodingProblems.decode(entry, at: path)
        guard outcome.problems.isEmpty, let offer = outcome.offer else { throw CatalogError(problems: outcome.problems) }
        return offer
    }

    /// Calls `body` with each offer `cart` could satisfy, in rank order, until it returns
    /// `false`: the offers whose criteria require a `cartContains` match one of the cart's
    /// lines could give, and every offer whose criteria do not. The cost follows the
    /// cart's lines and the offers they hit, not the catalog's size.
    public func forEachCandidate(for cart: CartUpdated, _ body: (Offer) -> Bool) {
        index.forEachCandidate(of: vocabulary.codes(of: cart.lines)) { body(offers[$0]) }
    }

    /// The ranks (positions in ``offers``) ``forEachCandidate(for:_:)`` visits, for the cart
    /// of `facts`: for the engine, which reads the offer's ``compiledOffers``.
    func candidateRanks(for facts: CartFacts) -> OfferIndex.Candidates {
        index.candidates(of: facts.codes.vocabulary === vocabulary ? facts.codes : vocabulary.codes(of: facts.lines))
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
