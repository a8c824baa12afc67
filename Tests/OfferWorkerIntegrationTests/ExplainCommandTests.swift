import Foundation
import OfferEngine
import OfferWorker
import Testing

/// `offer-worker offers explain` on the fixture in Tests/Fixtures/explain: a catalog with an
/// offer for every reason an offer is or is not shown to the fixture's cart.
@Suite("offers explain: every reason on a fixture")
struct ExplainCommandTests {
    static let fixtures = SchemaCheck.repositoryRoot.appendingPathComponent("Tests/Fixtures/explain")
    static func path(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    static func explainer(maxOffers: Int) throws -> OfferExplainer {
        try OfferExplainer.load(offers: path("offers.json"), cart: path("cart.json"), session: path("session.json"),
                                availability: path("availability.json"), settings: OfferEngineSettings(maxOffersPerCart: maxOffers))
    }

    @Test("every offer gets the first reason it is not shown, or presented, in rank order")
    func everyReason() throws {
        let verdicts = try Self.explainer(maxOffers: 3).explanations().map { "\($0.offerId): \($0.verdict.detail)" }
        #expect(verdicts == [
            "vip-bundle: displayCriteria.all[1].subtotal.gte: 799.00 < 5000.00",
            "winter-sale: inactive: status is paused",
            "black-friday: out of schedule (startsAt/endsAt)",
            "case-again: offered items already in the cart",
            "screen-guard: declined by this cart",
            "charger-promo: capped: presented 2 times to this cart (maxPresentationsPerCart)",
            "earbuds-test: held out: the cart is in the offer's control group (holdoutPercent)",
            "care-plus: unavailable: care-plus-2y 0 in stock, 1 needed",
            "care-basic: presented",
            "care-lite: outranked in exclusivity group 'protection' by 'care-basic'",
            "launch-kit: presented",
            "cable: stopped by higher offer 'launch-kit' (stopAfter)",
        ])
    }

    @Test("offers past the per-cart limit are explained as such")
    func beyondLimit() throws {
        let verdicts = try Self.explainer(maxOffers: 1).explanations().suffix(4).map(\.verdict)
        #expect(verdicts == [.presented, .outranked(group: "protection", by: "care-basic"), .beyondLimit(1), .beyondLimit(1)])
    }

    @Test("what explain says is presented is what the worker's evaluation presents")
    func matchesEvaluation() throws {
        let explainer = try Self.explainer(maxOffers: 3)
        var session = explainer.session
        let presented = OfferEngine(catalog: explainer.catalog, settings: explainer.settings)
            .cartUpdated(explainer.cart, session: &session, availability: explainer.availability)
        #expect(presented == explainer.explanations().compactMap(\.presentation))
        #expect(presented.map(\.offerId) == ["care-basic", "launch-kit"])
    }

    @Test("the command prints the verdicts as text and as JSON, and lists every problem of bad files")
    func command() async throws {
        let arguments = ["offers", "explain", "--offers", Self.path("offers.json"), "--cart", Self.path("cart.json"),
                         "--session", Self.path("session.json"), "--availability", Self.path("availability.json")]
        let (status, text) = try await CommandLine.run(arguments)
        #expect(status == 0, "\(text)")
        #expect(text.contains("2 of 12 offer(s) shown"))
        #expect(text.contains("not shown    vip-bundle (priority 100): displayCriteria.all[1].subtotal.gte: 799.00 < 5000.00"))
        #expect(text.contains("presented    care-basic (priority 55)"))

        let (jsonStatus, json) = try await CommandLine.run(arguments + ["--format", "json", "--max-offers-per-cart", "1"])
        #expect(jsonStatus == 0, "\(json)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let offers = try #require(document["offers"] as? [[String: Any]])
        #expect(offers.map { $0["verdict"] as? String } == [
            "criteriaUnmet", "inactive", "outOfSchedule", "itemsInCart", "declined", "capped", "heldOut", "unavailable",
            "presented", "outranked", "beyondLimit", "beyondLimit",
        ])
        #expect(offers[0]["path"] as? String == "displayCriteria.all[1].subtotal.gte")

        let broken = try CommandLine.temporaryFile(#"[{"variantId":"x","available":"yes","updatedAt":"2026-11-24T10:00:00Z"}]"#)
        let (badStatus, problems) = try await CommandLine.run(["offers", "explain", "--offers", Self.path("offers.json"),
                                                               "--cart", Self.path("missing.json"), "--availability", broken.path])
        #expect(badStatus != 0)
        #expect(problems.contains("cannot read cart file"))
        #expect(problems.contains("$[0].available: expected a boolean"))
    }
}
