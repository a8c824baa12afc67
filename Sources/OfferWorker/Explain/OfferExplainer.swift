import Foundation
import OfferEngine

/// `offer-worker offers explain`: for every offer of a catalog, whether a cart would be shown
/// it and, if not, why. The verdicts come from the engine's own evaluation
/// (``OfferEngine/explain(_:session:availability:)``): the same checks, in the same order, as
/// the worker runs on every `cart.updated`.
public struct OfferExplainer: Sendable {
    public var catalog: OfferCatalog
    public var cart: CartUpdated
    public var session: CartSession?
    public var availability: ProductAvailability
    public var settings: OfferEngineSettings

    public init(catalog: OfferCatalog, cart: CartUpdated, session: CartSession? = nil,
                availability: ProductAvailability = .unrestricted, settings: OfferEngineSettings = OfferEngineSettings()) {
        self.catalog = catalog
        self.cart = cart
        self.session = session
        self.availability = availability
        self.settings = settings
    }

    /// Loads the files `offers explain` names, reporting every problem of every file at once.
    ///
    /// - Parameters:
    ///   - offers: the catalog, JSON or YAML (as `run --offers`).
    ///   - cart: a `cart.updated` event.
    ///   - session: what the worker remembers of the cart, as ``ExplainSession`` JSON.
    ///   - availability: a JSON array of availability records.
    public static func load(
        offers: String, cart: String, session: String? = nil, availability: String? = nil,
        settings: OfferEngineSettings = OfferEngineSettings()
    ) throws(ConfigurationError) -> OfferExplainer {
        var problems: [String] = []
        func read(_ path: String, _ what: String) -> Data? {
            do {
                return try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                problems.append("cannot read \(what) file \(path): \(error.localizedDescription)")
                return nil
            }
        }
        var catalog: OfferCatalog?
        do {
            catalog = try CatalogFile.load(path: offers)
        } catch {
            problems += error.problems
        }
        var event: CartUpdated?
        if let data = read(cart, "cart") {
            do {
                event = try EventCodec().decodeValidated(CartUpdated.self, from: Array(data))
            } catch {
                problems.append("\(cart): \(error.reason)")
            }
        }
        var state: CartSession?
        if let session, let data = read(session, "session"), let event {
            do {
                state = try EventCodec().decode(ExplainSession.self, from: Array(data)).session(for: event)
            } catch {
                problems.append("\(session): \(error.reason)")
            }
        }
        var stock = ProductAvailability.unrestricted
        if let availability, let data = read(availability, "availability") {
            do {
                stock = try VariantAvailability.loadAll(json: data)
            } catch {
                problems += error.problems.map { "\(availability): \($0)" }
            }
        }
        guard problems.isEmpty, let catalog, let event else { throw ConfigurationError(problems: problems) }
        return OfferExplainer(catalog: catalog, cart: event, session: state, availability: stock, settings: settings)
    }

    /// Every offer in rank order with its verdict.
    public func explanations() -> [OfferExplanation] {
        OfferEngine(catalog: catalog, settings: settings).explain(cart, session: session, availability: availability)
    }

    /// One line per offer: `presented   pro-upgrade (priority 10)`,
    /// `not shown   case-bundle (priority 5): displayCriteria.all[1].subtotal.gte: 799.00 < 5000.00`.
    public func text() -> String {
        let explanations = explanations()
        let shown = explanations.filter(\.verdict.isShown).count
        var lines = ["cart \(cart.cartId) (version \(cart.version), \(cart.currency), subtotal \(cart.effectiveSubtotal)): \(shown) of \(explanations.count) offer(s) shown"]
        for explanation in explanations {
            let head = "\(explanation.offerId) (priority \(explanation.priority))"
            switch explanation.verdict {
            case .presented: lines.append("  presented    \(head)")
            case .stillShown: lines.append("  still shown  \(head): \(explanation.verdict.detail)")
            default: lines.append("  not shown    \(head): \(explanation.verdict.detail)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The same as JSON, keys sorted: `{"cartId", "offers": [{"offerId", "priority", "verdict", "detail", "presentationId"?}]}`.
    public func json() -> String {
        let offers: [[String: Any]] = explanations().map { explanation in
            var entry: [String: Any] = [
                "offerId": explanation.offerId, "priority": explanation.priority,
                "verdict": explanation.verdict.code, "detail": explanation.verdict.detail,
                "shown": explanation.verdict.isShown,
            ]
            if let presentation = explanation.presentation { entry["presentationId"] = presentation.presentationId }
            if case .criteriaUnmet(let failure) = explanation.verdict {
                entry["path"] = failure.path
                entry["reason"] = failure.reason
            }
            return entry
        }
        let document: [String: Any] = ["cartId": cart.cartId, "cartVersion": cart.version, "offers": offers]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// What the worker remembers of a cart that changes what it is shown, as `offers explain
/// --session` reads it: `{"declinedOffers": ["case-bundle"], "presentationCounts": {"pro-upgrade": 3}}`.
/// Both optional; unknown fields are refused.
public struct ExplainSession: Decodable, Sendable, Hashable {
    /// Offers the cart declined.
    public var declinedOffers: [String]
    /// Presentations so far of offers with `maxPresentationsPerCart`.
    public var presentationCounts: [String: Int]

    enum CodingKeys: String, CodingKey, CaseIterable { case declinedOffers, presentationCounts }

    public init(from decoder: any Decoder) throws {
        let known = CodingKeys.allCases.map(\.stringValue)
        let keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        if let unknown = keys.filter({ !known.contains($0) }).sorted().first {
            throw DecodingError.dataCorrupted(.init(codingPath: [AnyKey(stringValue: unknown)],
                                                    debugDescription: "unknown field (expected \(known.joined(separator: ", ")))"))
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        declinedOffers = try container.decodeIfPresent([String].self, forKey: .declinedOffers) ?? []
        presentationCounts = try container.decodeIfPresent([String: Int].self, forKey: .presentationCounts) ?? [:]
    }

    /// The session of `cart` just before it: these declines and counts, an older version.
    func session(for cart: CartUpdated) -> CartSession {
        CartSession(cart: CartSnapshot(version: cart.version - 1, lines: []), presentationCounts: presentationCounts,
                    declinedOffers: Dictionary(uniqueKeysWithValues: Set(declinedOffers).map { ($0, cart.occurredAt) }))
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
