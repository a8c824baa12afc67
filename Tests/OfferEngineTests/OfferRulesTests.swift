import Foundation
import Testing
@testable import OfferEngine

@Suite("Offer rules: prices, matchTrigger, caps, declines, holdout, versions")
struct OfferRulesTests {
    let phone = Build.line("l1", product: "phone-std", variant: "phone-std-64", price: "799.00", collections: ["phones"])
    let cable = Build.line("l2", product: "usb-cable", quantity: 2, price: "9.50")

    func engine(_ offers: [String], maxOffers: Int = 3) throws -> OfferEngine {
        OfferEngine(catalog: try OfferCatalog(offers: offers.map(Build.offer)), settings: OfferEngineSettings(maxOffersPerCart: maxOffers))
    }

    func load(_ offers: [String]) -> [String] {
        do {
            _ = try OfferCatalog.load(json: Data(#"{"offers":[\#(offers.joined(separator: ","))]}"#.utf8))
            return []
        } catch {
            return error.problems
        }
    }

    /// A cross-sell on phone-std with `fields` added to the offer and `item` as its only item.
    func offer(id: String = "deal", kind: String = "crossSell", priority: Int = 1, fields: String = "",
               item: String = #"{"productId":"x","variantId":"x-1","quantity":1,"prices":{"EUR":{"fixed":"5.00"}}}"#) -> String {
        #"{"offerId":"\#(id)","kind":"\#(kind)","status":"active","priority":\#(priority),\#(fields)"displayCriteria":{"cartContains":{"productIds":["phone-std"]}},"items":[\#(item)]}"#
    }

    static let multiCurrency = #"{"productId":"phone-pro","variantId":"phone-pro-128","quantity":1,"prices":{"EUR":{"fixed":"899.00"},"USD":{"percentOff":"10","of":"999.00"},"GBP":{"amountOff":"50.00","of":"849.00"},"JPY":{"percentOff":"15","of":"99999"}}}"#

    // MARK: prices

    @Test("presented items and addLine carry the price computed for the cart's currency", arguments: [
        ("EUR", "899.00", nil), ("USD", "899.10", "999.00"), ("GBP", "799.00", "849.00"), ("JPY", "84999", "99999"),
    ] as [(String, String, String?)])
    func perCurrency(currency: String, unit: String, compareAt: String?) throws {
        let engine = try engine([offer(item: Self.multiCurrency)])
        var session: CartSession?
        let shown = try #require(engine.cartUpdated(Build.cart(currency: currency, [phone]), session: &session).first)
        #expect(shown.items.map(\.unitPrice.description) == [unit])
        #expect(shown.items.map { $0.compareAtPrice?.description } == [compareAt])
        #expect(shown.items[0].prices == nil && !shown.items[0].matchesTriggerQuantity)
        let mutation = try #require(mutationOf(engine.offerAccepted(Build.acceptance(shown.presentationId, minute: 1), key: nil, session: &session)))
        #expect(mutation.operations == [.addLine(productId: "phone-pro", variantId: "phone-pro-128", quantity: 1, unitPrice: DecimalAmount(unit)!,
                                                 compareAtPrice: compareAt.map { DecimalAmount($0)! })])
        // On the wire, the presented item and the addLine carry both prices.
        let presentedJSON = String(decoding: Build.codec.encode(shown), as: UTF8.self)
        #expect(presentedJSON.contains(#""unitPrice":"\#(unit)""#))
        let mutationJSON = String(decoding: Build.codec.encode(mutation), as: UTF8.self)
        #expect(mutationJSON.contains(#"{"op":"addLine","productId":"phone-pro","quantity":1,"unitPrice":"\#(unit)","variantId":"phone-pro-128"}"#) == (compareAt == nil))
        if let compareAt {
            #expect(mutationJSON.contains(#"{"compareAtPrice":"\#(compareAt)","op":"addLine","productId":"phone-pro","quantity":1,"unitPrice":"\#(unit)","variantId":"phone-pro-128"}"#))
        }
        #expect(try Build.codec.decode(CartMutation.self, from: Build.codec.encode(mutation)) == mutation)
    }

    @Test("an item with prices but none for the cart's currency keeps the offer from that cart; a bare unitPrice is in the offer's currency")
    func missingCurrency() throws {
        let plain = offer(id: "plain", fields: #""currency":"EUR","#, item: #"{"productId":"x","variantId":"x-1","quantity":1,"unitPrice":"5.00"}"#)
        let engine = try engine([offer(id: "priced", priority: 2, item: Self.multiCurrency), plain])
        var session: CartSession?
        #expect(engine.cartUpdated(Build.cart(currency: "CHF", [phone]), session: &session).isEmpty)
        session = nil
        #expect(engine.cartUpdated(Build.cart(currency: "EUR", [phone]), session: &session).map(\.offerId) == ["priced", "plain"])
        // A second item without a CHF price is enough to keep the offer away.
        let mixed = offer(id: "mixed", item: #"{"productId":"a","variantId":"a-1","quantity":1,"prices":{"EUR":{"fixed":"1.00"},"CHF":{"fixed":"1.00"}}},{"productId":"b","variantId":"b-1","quantity":1,"prices":{"EUR":{"fixed":"2"}}}"#)
        session = nil
        #expect(try self.engine([mixed]).cartUpdated(Build.cart(currency: "CHF", [phone]), session: &session).isEmpty)
    }

    @Test("a cart mutation without compare-at prices encodes as before")
    func mutationWireCompatible() throws {
        let json = #"{"acceptanceEventId":"a","basedOnCartVersion":1,"cartId":"c","eventId":"e","occurredAt":"2026-11-24T10:00:00Z","offerId":"o","offerKind":"crossSell","operations":[{"op":"removeLine","lineId":"l1"},{"op":"addLine","productId":"p","variantId":"v","quantity":1,"unitPrice":"1.00","compareAtPrice":"2.00"}],"presentationId":"p"}"#
        let mutation = try Build.codec.decode(CartMutation.self, from: Array(json.utf8))
        #expect(mutation.operations[1] == .addLine(productId: "p", variantId: "v", quantity: 1, unitPrice: DecimalAmount("1.00")!, compareAtPrice: DecimalAmount("2.00")!))
        var plain = mutation
        plain.operations[1] = .addLine(productId: "p", variantId: "v", quantity: 1, unitPrice: DecimalAmount("1.00")!)
        #expect(!String(decoding: Build.codec.encode(plain), as: UTF8.self).contains("compareAtPrice"))
    }

    @Test("price validation names the path", arguments: [
        (#"{"productId":"p","variantId":"v","quantity":1,"prices":{"EUR":{"percentOff":"120","of":"10"}}}"#,
         "offers[0].items[0].prices.EUR.percentOff: must be between 0 and 100 (got 120)"),
        (#"{"productId":"p","variantId":"v","quantity":1,"prices":{"EUR":{"percentOff":"-1","of":"10"}}}"#,
         "offers[0].items[0].prices.EUR.percentOff: must be between 0 and 100 (got -1)"),
        (#"{"productId":"p","variantId":"v","quantity":1,"prices":{"eur":{"fixed":"10"}}}"#,
         #"offers[0].items[0].prices.eur: not an ISO 4217 code such as "EUR""#),
        (#"{"productId":"p","variantId":"v","quantity":1,"prices":{"JPY":{"fixed":"899.50"}}}"#,
         "offers[0].items[0].prices.JPY.fixed: 899.50 has more decimal places than JPY allows (0)"),
        (#"{"productId":"p","variantId":"v","quantity":1,"prices":{"KWD":{"amountOff":"1","of":"2.0005"}}}"#,
         "offers[0].items[0].prices.KWD.of: 2.0005 has more decimal places than KWD allows (3)"),
        (#"{"productId":"p","variantId":"v","quantity":1,"prices":{"EUR":{"fixed":"-1.00"}}}"#,
         "offers[0].items[0].prices.EUR.fixed: must not be negative (got -1.00)"),
        (#"{"productId":"p","variantId":"v","quantity":1,"prices":{"EUR":{"amountOff":"-1.00","of":"5"}}}"#,
         "offers[0].items[0].prices.EUR.amountOff: must not be negative (got -1.00)"),
        (#"{"productId":"p","variantId":"v","quantity":1,"prices":{}}"#,
         "offers[0].items[0].prices: must list at least one currency"),
        (#"{"productId":"p","variantId":"v","quantity":1,"prices":{"EUR":{"percentOff":"10"}}}"#,
         "offers[0].items[0].prices.EUR.of: missing required field"),
        (#"{"productId":"p","variantId":"v","quantity":1,"unitPrice":"1.00","prices":{"EUR":{"fixed":"1"}}}"#,
         "offers[0].items[0]: give unitPrice (and compareAtPrice) or prices, not both (a price rule's list price is 'of')"),
        (#"{"productId":"p","variantId":"v","quantity":1}"#,
         "offers[0].items[0]: give unitPrice or prices"),
        (#"{"productId":"p","variantId":"v","quantity":"lots","prices":{"EUR":{"fixed":"1.00"}}}"#,
         #"offers[0].items[0].quantity: expected an integer or "matchTrigger""#),
        (#"{"productId":"p","variantId":"v","prices":{"EUR":{"fixed":"1.00"}}}"#,
         "offers[0].items[0].quantity: missing required field"),
    ])
    func priceProblems(item: String, problem: String) {
        #expect(load([offer(item: item)]) == [problem])
    }

    @Test("an offer in one currency needs its items priced in it")
    func offerCurrency() {
        #expect(load([offer(fields: #""currency":"USD","#, item: #"{"productId":"p","variantId":"v","quantity":1,"prices":{"EUR":{"fixed":"1"}}}"#)])
            == ["offers[0].items[0].prices: no price in the offer's currency USD"])
        #expect(load([offer(fields: #""currency":"EUR","#, item: #"{"productId":"p","variantId":"v","quantity":1,"prices":{"EUR":{"fixed":"1"}}}"#)]).isEmpty)
    }

    // MARK: matchTrigger

    @Test("matchTrigger offers as many as the trigger lines hold: 2 standard phones → 2 pro")
    func matchTrigger() throws {
        let upsell = offer(id: "pro", kind: "upsell", item: #"{"productId":"phone-pro","variantId":"phone-pro-128","quantity":"matchTrigger","prices":{"EUR":{"percentOff":"10","of":"999.00"}}}"#)
        let definition = try Build.offer(upsell)
        #expect(definition.items[0].matchesTriggerQuantity)
        #expect(String(decoding: Build.codec.encode(definition), as: UTF8.self).contains(#""quantity":"matchTrigger""#))
        #expect(try Build.codec.decode(Offer.self, from: Build.codec.encode(definition)) == definition)

        let engine = try engine([upsell])
        var twoPhones = phone
        twoPhones.quantity = 2
        let other = Build.line("l3", product: "phone-std", variant: "phone-std-256", quantity: 3)
        var session: CartSession?
        let shown = try #require(engine.cartUpdated(Build.cart([twoPhones, cable, other]), session: &session).first)
        #expect(shown.items.map(\.quantity) == [5])
        #expect(shown.items.map(\.unitPrice.description) == ["899.10"])
        let mutation = try #require(mutationOf(engine.offerAccepted(Build.acceptance(shown.presentationId, minute: 1), key: nil, session: &session)))
        #expect(mutation.operations == [
            .removeLine(lineId: "l1"), .removeLine(lineId: "l3"),
            .addLine(productId: "phone-pro", variantId: "phone-pro-128", quantity: 5, unitPrice: DecimalAmount("899.10")!, compareAtPrice: DecimalAmount("999.00")!),
        ])
    }

    @Test("matchTrigger on a cross-sell is refused with its path")
    func matchTriggerCrossSell() {
        #expect(load([offer(item: #"{"productId":"p","variantId":"v","quantity":"matchTrigger","prices":{"EUR":{"fixed":"1.00"}}}"#)])
            == [#"offers[0].items[0].quantity: "matchTrigger" is for upsells only (a cross-sell replaces no lines)"#])
    }

    // MARK: caps

    @Test("maxPresentationsPerCart stops presenting an offer to a cart after that many presentations")
    func caps() throws {
        let engine = try engine([offer(fields: #""maxPresentationsPerCart":2,"ttlSeconds":60,"#), offer(id: "other", priority: 0)], maxOffers: 1)
        var session: CartSession?
        func update(_ version: Int64, minute: Int, quantity: Int) -> [String] {
            var line = phone
            line.quantity = quantity
            return engine.cartUpdated(Build.cart(version: version, minute: minute, [line]), session: &session).map(\.offerId)
        }
        #expect(update(1, minute: 0, quantity: 1) == ["deal"])
        #expect(update(2, minute: 0, quantity: 1) == [])          // still shown: keeps its slot
        #expect(update(3, minute: 1, quantity: 2) == ["deal"])    // triggers changed: second presentation
        #expect(session?.presentationCounts == ["deal": 2])
        #expect(update(4, minute: 1, quantity: 2) == [])          // still shown, unchanged
        #expect(update(5, minute: 1, quantity: 3) == ["other"])   // cap reached: the slot goes to the next offer
        #expect(update(6, minute: 9, quantity: 3) == [])          // "other" still open; deal never again
        #expect(update(7, minute: 30, quantity: 4) == ["other"])
        #expect(session?.presentationCounts == ["deal": 2])
        // Another cart has its own count.
        var otherSession: CartSession?
        #expect(engine.cartUpdated(Build.cart(id: "cart-2", [phone]), session: &otherSession).map(\.offerId) == ["deal"])
        #expect(load([offer(fields: #""maxPresentationsPerCart":0,"#)]) == ["offers[0].maxPresentationsPerCart: must be at least 1 (got 0)"])
    }

    @Test("counts and declines of offers that left the catalog (or lost their cap) are forgotten")
    func boundedSession() throws {
        var session: CartSession?
        _ = try engine([offer(fields: #""maxPresentationsPerCart":5,"#)]).cartUpdated(Build.cart([phone]), session: &session)
        session?.declinedOffers["gone"] = Build.time(0)
        #expect(session?.presentationCounts == ["deal": 1])
        _ = try engine([offer()]).cartUpdated(Build.cart(version: 2, [phone, cable]), session: &session)
        #expect(session?.presentationCounts == [:])
        #expect(session?.declinedOffers == [:])
    }

    // MARK: declines

    @Test("a declined offer is never presented to that cart again")
    func decline() throws {
        let engine = try engine([offer(fields: #""ttlSeconds":60,"#), offer(id: "other", priority: 0)], maxOffers: 1)
        var session: CartSession?
        let shown = try #require(engine.cartUpdated(Build.cart([phone]), session: &session).first)
        let decline = OfferDeclined(eventId: "dec-1", cartId: "cart-1", presentationId: shown.presentationId, occurredAt: Build.time(1))
        #expect(engine.offerDeclined(decline, key: "cart-1", session: &session) == .declined(offerId: "deal"))
        #expect(session?.declinedOffers == ["deal": Build.time(1)])
        #expect(engine.offerDeclined(decline, key: "cart-1", session: &session) == .alreadyDeclined(offerId: "deal"))
        // The declined offer gives up its slot at once, and never comes back, whatever the cart does.
        #expect(engine.cartUpdated(Build.cart(version: 2, minute: 1, [phone]), session: &session).map(\.offerId) == ["other"])
        var twoPhones = phone
        twoPhones.quantity = 2
        #expect(engine.cartUpdated(Build.cart(version: 3, minute: 50, [twoPhones]), session: &session).map(\.offerId) == ["other"])
        // Another cart still sees it.
        var other: CartSession?
        #expect(engine.cartUpdated(Build.cart(id: "cart-2", [phone]), session: &other).map(\.offerId) == ["deal"])
    }

    @Test("a decline on another cart's key or presentation, or of an unknown presentation, is ignored")
    func declineIgnored() throws {
        let engine = try engine([offer()])
        var session: CartSession?
        let shown = try #require(engine.cartUpdated(Build.cart([phone]), session: &session).first)
        let before = session
        let decline = OfferDeclined(eventId: "dec-1", cartId: "cart-1", presentationId: shown.presentationId, occurredAt: Build.time(1))
        #expect(engine.offerDeclined(decline, key: "cart-2", session: &session) == .ignored(.cartMismatch))
        #expect(engine.offerDeclined(OfferDeclined(eventId: "d", cartId: "cart-1", presentationId: "made-up", occurredAt: Build.time(1)), key: nil, session: &session) == .ignored(.unknownPresentation))
        var none: CartSession?
        #expect(engine.offerDeclined(decline, key: nil, session: &none) == .ignored(.unknownPresentation))
        var other: CartSession?
        _ = engine.cartUpdated(Build.cart(id: "cart-2", [phone]), session: &other)
        let stolen = OfferDeclined(eventId: "d", cartId: "cart-2", presentationId: shown.presentationId, occurredAt: Build.time(1))
        #expect(engine.offerDeclined(stolen, key: "cart-2", session: &other) == .ignored(.cartMismatch))
        #expect(session == before && none == nil)
    }

    @Test("offer.declined decodes and validates like offer.accepted")
    func declineEvent() throws {
        let json = #"{"eventId":"d-1","cartId":"cart-1","presentationId":"p-1","occurredAt":"2026-11-24T10:00:00Z"}"#
        let decline = try Build.codec.decodeValidated(OfferDeclined.self, from: Array(json.utf8))
        #expect(decline == OfferDeclined(eventId: "d-1", cartId: "cart-1", presentationId: "p-1", occurredAt: Build.time(0)))
        #expect(throws: EventDecodingError(reason: "cartId: must not be empty")) {
            try Build.codec.decodeValidated(OfferDeclined.self, from: Array(json.replacingOccurrences(of: #""cart-1""#, with: #""""#).utf8))
        }
        #expect(throws: EventDecodingError(reason: "schemaVersion: unsupported version 2 (this worker reads version 1)")) {
            try Build.codec.decodeValidated(OfferDeclined.self, from: Array(json.replacingOccurrences(of: "}", with: #","schemaVersion":2}"#).utf8))
        }
        #expect(throws: EventDecodingError(reason: "presentationId: missing required field")) {
            try Build.codec.decodeValidated(OfferDeclined.self, from: Array(json.replacingOccurrences(of: #""presentationId":"p-1","#, with: "").utf8))
        }
    }

    // MARK: holdout

    @Test("holdout: a stable share of carts gets no presentation; the others are the treatment arm")
    func holdout() throws {
        let engine = try engine([offer(fields: #""holdoutPercent":"25","#)])
        var held = 0
        for index in 0..<2000 {
            var session: CartSession?
            let shown = engine.cartUpdated(Build.cart(id: "cart-\(index)", [phone]), session: &session)
            let holdsOut = engine.catalog["deal"]!.holdsOut(cartId: "cart-\(index)")
            #expect(shown.isEmpty == holdsOut)
            if holdsOut { held += 1 } else { #expect(shown.first?.experimentArm == .treatment) }
            #expect(holdsOut == (EventID.bucket("holdout", "cart-\(index)", "deal", count: 10_000) < 2500))
        }
        #expect((400...600).contains(held), "held out \(held) of 2000")
        // Stable across runs: the bucket is SHA-256 based (a fixed value, not Swift's seeded Hasher).
        #expect(EventID.bucket("holdout", "cart-1", "deal", count: 10_000) == EventID.bucket("holdout", "cart-1", "deal", count: 10_000))
        // First 8 bytes of SHA-256(00 00 00 01 "a"), big-endian, mod 10000 (checked with Python's hashlib).
        #expect(EventID.bucket("a", count: 10_000) == 165)
    }

    @Test("holdout 0 holds nobody out, 100 everybody; no holdout, no experimentArm")
    func holdoutEdges() throws {
        var session: CartSession?
        let none = try engine([offer(fields: #""holdoutPercent":0,"#)]).cartUpdated(Build.cart([phone]), session: &session)
        #expect(none.map(\.experimentArm) == [.treatment])
        for index in 0..<200 {
            session = nil
            #expect(try engine([offer(fields: #""holdoutPercent":100,"#)]).cartUpdated(Build.cart(id: "c\(index)", [phone]), session: &session).isEmpty)
        }
        session = nil
        let plain = try engine([offer()]).cartUpdated(Build.cart([phone]), session: &session)
        #expect(plain.map(\.experimentArm) == [nil])
        #expect(!String(decoding: Build.codec.encode(plain[0]), as: UTF8.self).contains("experimentArm"))
        #expect(String(decoding: Build.codec.encode(none[0]), as: UTF8.self).contains(#""experimentArm":"treatment""#))
    }

    @Test("holdoutPercent: integer or decimal string, 0–100, at most 2 decimals")
    func holdoutValidation() throws {
        #expect(try Build.offer(offer(fields: #""holdoutPercent":"2.5","#)).holdoutThreshold == 250)
        #expect(try Build.offer(offer(fields: #""holdoutPercent":7,"#)).holdoutThreshold == 700)
        #expect(load([offer(fields: #""holdoutPercent":"100.01","#)]) == ["offers[0].holdoutPercent: must be between 0 and 100 (got 100.01)"])
        #expect(load([offer(fields: #""holdoutPercent":-1,"#)]) == ["offers[0].holdoutPercent: must be between 0 and 100 (got -1)"])
        #expect(load([offer(fields: #""holdoutPercent":"2.555","#)]) == ["offers[0].holdoutPercent: at most 2 decimal places (got 2.555)"])
        #expect(load([offer(fields: #""holdoutPercent":"lots","#)]) == ["offers[0].holdoutPercent: not a decimal string: 'lots'"])
        #expect(load([offer(fields: #""holdoutPercent":true,"#)]) == [#"offers[0].holdoutPercent: expected an integer or a decimal string such as "2.5""#])
    }

    // MARK: versions

    @Test("presentations record the offer's version; offer.presented carries it")
    func versions() throws {
        var session: CartSession?
        let v1 = try engine([offer()]).cartUpdated(Build.cart([phone]), session: &session)
        #expect(v1.map(\.offerVersion) == [1])
        session = nil
        let v3 = try engine([offer(fields: #""version":3,"#)]).cartUpdated(Build.cart([phone]), session: &session)
        #expect(v3.map(\.offerVersion) == [3])
        #expect(String(decoding: Build.codec.encode(v3[0]), as: UTF8.self).contains(#""offerVersion":3"#))
        #expect(load([offer(fields: #""version":0,"#)]) == ["offers[0].version: must be at least 1 (got 0)"])
    }

    @Test("an acceptance uses the presentation's recorded items and prices, whatever the catalog says now")
    func catalogChangeKeepsPresentation() throws {
        let before = offer(id: "pro", kind: "upsell", fields: #""version":1,"#, item: #"{"productId":"phone-pro","variantId":"phone-pro-128","quantity":"matchTrigger","prices":{"EUR":{"percentOff":"10","of":"999.00"}}}"#)
        let after = offer(id: "pro", kind: "upsell", fields: #""version":2,"#, item: #"{"productId":"phone-max","variantId":"phone-max-256","quantity":1,"prices":{"EUR":{"fixed":"1299.00"}}}"#)
        var session: CartSession?
        let shown = try #require(try engine([before]).cartUpdated(Build.cart([phone]), session: &session).first)
        // The session goes through the changelog and the worker restarts with the new catalog.
        var writer = BinaryWriter()
        try #require(session).encode(into: &writer, relativeTo: Build.time(1))
        var reader = BinaryReader(writer.bytes)
        var restored: CartSession? = try CartSession(from: &reader, relativeTo: Build.time(1))
        #expect(restored == session)
        var unchanged = session
        let newEngine = try engine([after])
        let outcome = newEngine.offerAccepted(Build.acceptance(shown.presentationId, minute: 2), key: nil, session: &restored)
        let oldOutcome = try engine([before]).offerAccepted(Build.acceptance(shown.presentationId, minute: 2), key: nil, session: &unchanged)
        #expect(outcome == oldOutcome)
        let mutation = try #require(mutationOf(outcome))
        #expect(mutation.operations.last == .addLine(productId: "phone-pro", variantId: "phone-pro-128", quantity: 1, unitPrice: DecimalAmount("899.10")!, compareAtPrice: DecimalAmount("999.00")!))
        #expect(restored?.presentations[shown.presentationId]?.items.first?.matchesTriggerQuantity == true)
    }

    @Test("sessions and presentations written before these fields still decode")
    func oldSessionJSON() throws {
        let old = #"{"cart":{"eventId":"e","cartId":"cart-1","version":1,"occurredAt":"2026-11-24T10:00:00Z","currency":"EUR","lines":[]},"presentations":{"p":{"presentationId":"p","offerId":"o","offerKind":"crossSell","cartVersion":1,"triggerLineIds":[],"triggerSignature":"","items":[{"productId":"x","variantId":"x-1","quantity":1,"unitPrice":"5.00"}],"presentedAt":"2026-11-24T10:00:00Z","expiresAt":"2026-11-24T10:30:00Z"}}}"#
        let session = try JSONDecoder().decode(CartSession.self, from: Data(old.utf8))
        #expect(session.presentationCounts.isEmpty && session.declinedOffers.isEmpty)
        #expect(session.presentations["p"]?.items.map(\.quantity) == [1] && session.presentations["p"]?.isAccepted == false)
        let offer = try Build.offer(Build.proUpgrade)
        #expect(offer.version == 1 && offer.maxPresentationsPerCart == nil && offer.holdoutPercent == nil)
    }

    func mutationOf(_ outcome: AcceptanceOutcome) -> CartMutation? {
        if case .mutation(let mutation) = outcome { mutation } else { nil }
    }
}
