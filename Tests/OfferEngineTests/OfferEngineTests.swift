import Testing
@testable import OfferEngine

@Suite("OfferEngine: presentations, acceptances, mutations")
struct OfferEngineTests {
    let phone = Build.line("l1", product: "phone-std", variant: "phone-std-64", price: "799.00", collections: ["phones"])
    let cable = Build.line("l2", product: "usb-cable", quantity: 2, price: "9.50")

    func engine(_ offers: [String], maxOffers: Int = 3) throws -> OfferEngine {
        OfferEngine(catalog: try OfferCatalog(offers: offers.map(Build.offer)), settings: OfferEngineSettings(maxOffersPerCart: maxOffers))
    }

    /// A cross-sell of `variant` shown when the cart holds `product`.
    func crossSell(_ id: String, priority: Int, when product: String = "phone-std", variant: String? = nil, ttl: Int = 1800) -> String {
        #"{"offerId":"\#(id)","kind":"crossSell","status":"active","priority":\#(priority),"ttlSeconds":\#(ttl),"currency":"EUR","displayCriteria":{"cartContains":{"productIds":["\#(product)"]}},"items":[{"productId":"x","variantId":"\#(variant ?? "\(id)-item")","quantity":1,"unitPrice":"5.00"}]}"#
    }

    @Test("presents eligible offers in rank order with derived ids, event times and trigger lines")
    func presents() throws {
        let engine = try engine([Build.caseBundle, Build.proUpgrade])
        var session: CartSession?
        let presented = engine.cartUpdated(Build.cart(minute: 1, [phone, cable]), session: &session)
        #expect(presented.map(\.offerId) == ["pro-upgrade", "case-bundle"])
        let upsell = presented[0]
        #expect(upsell.offerKind == .upsell)
        #expect(upsell.triggerLineIds == ["l1"])
        #expect(upsell.cartVersion == 1 && upsell.cartEventId == "cart-1-v1")
        #expect(upsell.occurredAt == Build.time(1))
        #expect(upsell.expiresAt == Build.time(31))
        #expect(presented[1].expiresAt == Build.time(11))
        #expect(upsell.items == [OfferedItem(productId: "phone-pro", variantId: "phone-pro-128", quantity: 1,
                                             unitPrice: DecimalAmount("999.00")!, compareAtPrice: DecimalAmount("1099.00")!)])
        #expect(upsell.presentationId == EventID.presentation(cartId: "cart-1", offerId: "pro-upgrade", cartEventId: "cart-1-v1"))
        #expect(upsell.eventId == EventID.derive("offer.presented", upsell.presentationId))
        #expect(session?.presentations.count == 2)
    }

    @Test("shows at most N offers, by priority then offerId")
    func caps() throws {
        let engine = try engine([crossSell("b", priority: 1), crossSell("a", priority: 1), crossSell("c", priority: 9), crossSell("d", priority: 0)], maxOffers: 3)
        var session: CartSession?
        #expect(engine.cartUpdated(Build.cart([phone]), session: &session).map(\.offerId) == ["c", "a", "b"])
    }

    @Test("no offer when the criteria do not match; paused, unscheduled or other-currency offers are never shown")
    func notEligible() throws {
        let paused = crossSell("paused", priority: 1).replacingOccurrences(of: #""active""#, with: #""paused""#)
        let later = crossSell("later", priority: 1).replacingOccurrences(of: #""ttlSeconds""#, with: #""startsAt":"2026-11-24T11:00:00Z","ttlSeconds""#)
        let ended = crossSell("ended", priority: 1).replacingOccurrences(of: #""ttlSeconds""#, with: #""endsAt":"2026-11-24T10:00:00Z","ttlSeconds""#)
        let dollars = crossSell("usd", priority: 1).replacingOccurrences(of: #""currency":"EUR""#, with: #""currency":"USD""#)
        let engine = try engine([Build.proUpgrade, paused, later, ended, dollars])
        var session: CartSession?
        #expect(engine.cartUpdated(Build.cart([cable]), session: &session).isEmpty)
        #expect(engine.cartUpdated(Build.cart(version: 2, [phone]), session: &session).map(\.offerId) == ["pro-upgrade"])
    }

    @Test("an upsell's exclusion holds: no pro-upgrade for carts of 5000.00 or more")
    func exclusion() throws {
        let engine = try engine([Build.proUpgrade])
        var session: CartSession?
        #expect(engine.cartUpdated(Build.cart(subtotal: "5000.00", [phone]), session: &session).isEmpty)
        #expect(engine.cartUpdated(Build.cart(version: 2, subtotal: "4999.99", [phone]), session: &session).count == 1)
    }

    @Test("an offer whose items are all in the cart already is not shown")
    func alreadyInCart() throws {
        let engine = try engine([crossSell("cable-deal", priority: 1, variant: "usb-cable-v")])
        var session: CartSession?
        #expect(engine.cartUpdated(Build.cart([phone, cable]), session: &session).isEmpty)
        #expect(engine.cartUpdated(Build.cart(version: 2, [phone]), session: &session).map(\.offerId) == ["cable-deal"])
    }

    @Test("showWhenItemsInCart shows an offer whose items are all in the cart already")
    func showWhenItemsInCart() throws {
        let offer = crossSell("cable-deal", priority: 1, variant: "usb-cable-v")
        let shown = offer.replacingOccurrences(of: #""ttlSeconds""#, with: #""showWhenItemsInCart":true,"ttlSeconds""#)
        let hidden = offer.replacingOccurrences(of: #""ttlSeconds""#, with: #""showWhenItemsInCart":false,"ttlSeconds""#)
        #expect(try Build.offer(shown).showWhenItemsInCart)
        #expect(try !Build.offer(offer).showWhenItemsInCart)
        var session: CartSession?
        #expect(try engine([shown]).cartUpdated(Build.cart([phone, cable]), session: &session).map(\.offerId) == ["cable-deal"])
        session = nil
        #expect(try engine([hidden]).cartUpdated(Build.cart([phone, cable]), session: &session).isEmpty)
        #expect(throws: EventDecodingError(reason: "showWhenItemsInCart: expected a boolean")) {
            try Build.offer(offer.replacingOccurrences(of: #""ttlSeconds""#, with: #""showWhenItemsInCart":"yes","ttlSeconds""#))
        }
    }

    @Test("not again while open with unchanged triggers; again when the triggers change or it expired")
    func notAgain() throws {
        let engine = try engine([crossSell("deal", priority: 1, ttl: 600)])
        var session: CartSession?
        let first = engine.cartUpdated(Build.cart(minute: 0, [phone]), session: &session)
        #expect(first.count == 1)
        // Another line added: the trigger line is unchanged.
        #expect(engine.cartUpdated(Build.cart(version: 2, minute: 1, [phone, cable]), session: &session).isEmpty)
        // The trigger line's quantity changed: a new presentation.
        var twoPhones = phone
        twoPhones.quantity = 2
        let second = engine.cartUpdated(Build.cart(version: 3, minute: 2, [twoPhones, cable]), session: &session)
        #expect(second.count == 1)
        #expect(second[0].presentationId != first[0].presentationId)
        // Unchanged again, but the last presentation expired (600 s after minute 2).
        #expect(engine.cartUpdated(Build.cart(version: 4, minute: 11, [twoPhones, cable]), session: &session).isEmpty)
        #expect(engine.cartUpdated(Build.cart(version: 5, minute: 12, [twoPhones, cable]), session: &session).count == 1)
    }

    @Test("an offer still shown keeps its place among the N")
    func stillShownCounts() throws {
        let engine = try engine([crossSell("top", priority: 9), crossSell("next", priority: 1)], maxOffers: 1)
        var session: CartSession?
        #expect(engine.cartUpdated(Build.cart([phone]), session: &session).map(\.offerId) == ["top"])
        #expect(engine.cartUpdated(Build.cart(version: 2, [phone, cable]), session: &session).isEmpty)
    }

    @Test("stale and repeated cart versions change nothing")
    func staleVersions() throws {
        let engine = try engine([crossSell("deal", priority: 1)])
        var session: CartSession?
        _ = engine.cartUpdated(Build.cart(version: 5, [cable]), session: &session)
        let before = session
        #expect(engine.cartUpdated(Build.cart(version: 5, event: "other", [phone]), session: &session).isEmpty)
        #expect(engine.cartUpdated(Build.cart(version: 4, [phone]), session: &session).isEmpty)
        #expect(session == before)
    }

    @Test("accepting an upsell removes its trigger lines still in the cart and adds the offered item")
    func upsellMutation() throws {
        let engine = try engine([Build.proUpgrade])
        var session: CartSession?
        let shown = engine.cartUpdated(Build.cart([phone, cable]), session: &session)[0]
        guard case .mutation(let mutation) = engine.offerAccepted(Build.acceptance(shown.presentationId, minute: 5), key: "cart-1", session: &session) else {
            Issue.record("expected a mutation"); return
        }
        #expect(mutation.operations == [
            .removeLine(lineId: "l1"),
            .addLine(productId: "phone-pro", variantId: "phone-pro-128", quantity: 1, unitPrice: DecimalAmount("999.00")!, compareAtPrice: DecimalAmount("1099.00")!),
        ])
        #expect(mutation.offerKind == .upsell && mutation.offerId == "pro-upgrade" && mutation.basedOnCartVersion == 1)
        #expect(mutation.occurredAt == Build.time(5) && mutation.acceptanceEventId == "acc-1")
        #expect(mutation.eventId == EventID.derive("cart.mutation", shown.presentationId))
    }

    @Test("an upsell removes only the trigger lines still in the cart; none left is a cartMismatch")
    func upsellAfterCartChange() throws {
        let offer = #"{"offerId":"bundle-up","kind":"upsell","status":"active","currency":"EUR","displayCriteria":{"cartContains":{"tags":["old"]}},"items":[{"productId":"new","variantId":"new-1","quantity":1,"unitPrice":"50.00"}]}"#
        let engine = try engine([offer])
        let a = Build.line("a", product: "pa", tags: ["old"]), b = Build.line("b", product: "pb", tags: ["old"])
        var session: CartSession?
        let shown = engine.cartUpdated(Build.cart([a, b, cable]), session: &session)[0]
        #expect(shown.triggerLineIds == ["a", "b"])
        _ = engine.cartUpdated(Build.cart(version: 2, [b, cable]), session: &session)
        var copy = session
        guard case .mutation(let mutation) = engine.offerAccepted(Build.acceptance(shown.presentationId, minute: 1), key: nil, session: &copy) else {
            Issue.record("expected a mutation"); return
        }
        #expect(mutation.operations.first == .removeLine(lineId: "b"))
        #expect(mutation.operations.count == 2 && mutation.basedOnCartVersion == 2)

        _ = engine.cartUpdated(Build.cart(version: 3, [cable]), session: &session)
        #expect(rejection(engine.offerAccepted(Build.acceptance(shown.presentationId, minute: 1), key: nil, session: &session)) == .cartMismatch)
    }

    @Test("accepting a cross-sell only adds")
    func crossSellMutation() throws {
        let engine = try engine([Build.caseBundle])
        var session: CartSession?
        let shown = engine.cartUpdated(Build.cart([phone]), session: &session)[0]
        guard case .mutation(let mutation) = engine.offerAccepted(Build.acceptance(shown.presentationId, minute: 2), key: "cart-1", session: &session) else {
            Issue.record("expected a mutation"); return
        }
        #expect(mutation.operations == [.addLine(productId: "phone-case", variantId: "phone-case-black", quantity: 1, unitPrice: DecimalAmount("29.00")!)])
    }

    @Test("a repeated acceptance emits nothing new")
    func repeatedAcceptance() throws {
        let engine = try engine([Build.caseBundle])
        var session: CartSession?
        let shown = engine.cartUpdated(Build.cart([phone]), session: &session)[0]
        #expect(mutation(engine.offerAccepted(Build.acceptance(shown.presentationId, minute: 2), key: "cart-1", session: &session)) != nil)
        #expect(engine.offerAccepted(Build.acceptance(shown.presentationId, minute: 3, event: "acc-2"), key: "cart-1", session: &session) == .alreadyAccepted)
        #expect(engine.offerAccepted(Build.acceptance(shown.presentationId, minute: 2), key: "cart-1", session: &session) == .alreadyAccepted)
    }

    @Test("rejections: unknown presentation, expired, wrong key, another cart's presentation")
    func rejections() throws {
        let engine = try engine([Build.caseBundle])  // ttl 600 s
        var session: CartSession?
        let shown = engine.cartUpdated(Build.cart([phone]), session: &session)[0]

        var none: CartSession?
        #expect(rejection(engine.offerAccepted(Build.acceptance(shown.presentationId, minute: 1), key: "cart-1", session: &none)) == .unknownPresentation)
        #expect(rejection(engine.offerAccepted(Build.acceptance("made-up", minute: 1), key: "cart-1", session: &session)) == .unknownPresentation)

        // Expired at exactly expiresAt; one second before is fine.
        var copy = session
        #expect(rejection(engine.offerAccepted(Build.acceptance(shown.presentationId, minute: 10), key: "cart-1", session: &copy)) == .expired)
        #expect(mutation(engine.offerAccepted(Build.acceptance(shown.presentationId, minute: 9, second: 59), key: "cart-1", session: &copy)) != nil)

        // Keyed by another cart: answered on that key, the session untouched.
        let before = session
        guard case .rejected(let wrongKey) = engine.offerAccepted(Build.acceptance(shown.presentationId, minute: 1), key: "cart-2", session: &session) else {
            Issue.record("expected a rejection"); return
        }
        #expect(wrongKey.reason == .cartMismatch && wrongKey.cartId == "cart-2")
        #expect(wrongKey.eventId == EventID.derive("offer.rejected", "acc-1"))
        #expect(session == before)

        // cart-2 quotes cart-1's presentation.
        var other: CartSession?
        _ = engine.cartUpdated(Build.cart(id: "cart-2", [phone]), session: &other)
        let stolen = OfferAccepted(eventId: "x", cartId: "cart-2", presentationId: shown.presentationId, occurredAt: Build.time(1))
        #expect(rejection(engine.offerAccepted(stolen, key: "cart-2", session: &other)) == .cartMismatch)
    }

    @Test("expired presentations are forgotten after the retention period")
    func retention() throws {
        let engine = OfferEngine(catalog: try OfferCatalog(offers: [Build.offer(Build.caseBundle)]),
                                 settings: OfferEngineSettings(presentationRetentionSeconds: 60))
        var session: CartSession?
        let shown = engine.cartUpdated(Build.cart(minute: 0, [phone]), session: &session)[0]
        _ = engine.cartUpdated(Build.cart(version: 2, minute: 10, [phone, cable]), session: &session)
        #expect(session?.presentations[shown.presentationId] != nil)
        _ = engine.cartUpdated(Build.cart(version: 3, minute: 11, [phone, cable]), session: &session)
        #expect(session?.presentations[shown.presentationId] == nil)
    }

    @Test("a late acceptance: expired within the retention after expiresAt, unknownPresentation after it, pruned or not")
    func lateAcceptance() throws {
        let engine = try engine([Build.proUpgrade])  // ttl 1800 s, default retention 3600 s
        var session: CartSession?
        let shown = engine.cartUpdated(Build.cart(minute: 0, [phone]), session: &session)[0]
        #expect(shown.expiresAt == EventTime(rfc3339: "2026-11-24T10:30:00Z"))
        func answer(_ time: String, _ state: CartSession?) -> AcceptanceOutcome {
            var copy = state
            let acceptance = OfferAccepted(eventId: "acc-late", cartId: "cart-1", presentationId: shown.presentationId,
                                           occurredAt: EventTime(rfc3339: time)!)
            return engine.offerAccepted(acceptance, key: "cart-1", session: &copy)
        }
        // No cart event since: the presentation is still in the session.
        #expect(session?.presentations[shown.presentationId] != nil)
        guard case .rejected(let expired) = answer("2026-11-24T10:45:00Z", session) else { Issue.record("expected a rejection"); return }
        #expect(expired.reason == .expired && expired.offerId == "pro-upgrade")
        #expect(rejection(answer("2026-11-24T11:29:59Z", session)) == .expired)
        for late in ["2026-11-24T11:30:00Z", "2026-11-24T11:31:00Z", "2026-11-24T15:00:00Z", "2026-11-26T10:30:00Z"] {
            guard case .rejected(let unknown) = answer(late, session) else { Issue.record("expected a rejection at \(late)"); continue }
            #expect(unknown.reason == .unknownPresentation && unknown.offerId == nil, "accepted at \(late)")
        }
        // A cart event at 11:40 drops it: the answers after the retention are the same.
        var pruned = session
        let later = CartUpdated(eventId: "cart-1-v2", cartId: "cart-1", version: 2, occurredAt: EventTime(rfc3339: "2026-11-24T11:40:00Z")!,
                                currency: "EUR", lines: [cable])
        _ = engine.cartUpdated(later, session: &pruned)
        #expect(pruned?.presentations[shown.presentationId] == nil)
        for late in ["2026-11-24T11:31:00Z", "2026-11-24T15:00:00Z", "2026-11-26T10:30:00Z"] {
            #expect(answer(late, pruned) == answer(late, session), "accepted at \(late)")
        }
        // Accepted in time, then accepted again two days later: unknown, as once it is dropped.
        var accepted = session
        _ = engine.offerAccepted(Build.acceptance(shown.presentationId, minute: 5), key: "cart-1", session: &accepted)
        #expect(answer("2026-11-24T10:45:00Z", accepted) == .alreadyAccepted)
        #expect(rejection(answer("2026-11-26T10:30:00Z", accepted)) == .unknownPresentation)
        // A decline past the retention is ignored the same way.
        var declined = session
        let decline = OfferDeclined(eventId: "d", cartId: "cart-1", presentationId: shown.presentationId,
                                    occurredAt: EventTime(rfc3339: "2026-11-24T11:31:00Z")!)
        #expect(engine.offerDeclined(decline, key: "cart-1", session: &declined) == .ignored(.unknownPresentation))
        #expect(declined == session)
    }

    @Test("a matchTrigger upsell accepted after a trigger line was removed adds the quantity it removes")
    func matchTriggerAfterCartChange() throws {
        let offer = #"{"offerId":"bundle-up","kind":"upsell","status":"active","currency":"EUR","displayCriteria":{"cartContains":{"tags":["old"]}},"items":[{"productId":"new","variantId":"new-1","quantity":"matchTrigger","unitPrice":"50.00"}]}"#
        let engine = try engine([offer])
        let a = Build.line("a", product: "pa", tags: ["old"]), b = Build.line("b", product: "pb", tags: ["old"])
        var session: CartSession?
        let shown = engine.cartUpdated(Build.cart([a, b, cable]), session: &session)[0]
        #expect(shown.items.map(\.quantity) == [2])
        #expect(session?.presentations[shown.presentationId]?.items.map(\.matchesTriggerQuantity) == [true])
        let add = { (quantity: Int) in CartOperation.addLine(productId: "new", variantId: "new-1", quantity: quantity, unitPrice: DecimalAmount("50.00")!) }

        var unchanged = session
        #expect(mutation(engine.offerAccepted(Build.acceptance(shown.presentationId, minute: 1), key: nil, session: &unchanged))?.operations
                == [.removeLine(lineId: "a"), .removeLine(lineId: "b"), add(2)])

        // Line a removed: b is replaced by one.
        _ = engine.cartUpdated(Build.cart(version: 2, [b, cable]), session: &session)
        var oneLeft = session
        #expect(mutation(engine.offerAccepted(Build.acceptance(shown.presentationId, minute: 1), key: nil, session: &oneLeft))?.operations
                == [.removeLine(lineId: "b"), add(1)])

        // Line b now holds 3: what the upsell removes is what it adds.
        var threeB = b
        threeB.quantity = 3
        var grown = session
        _ = engine.cartUpdated(Build.cart(version: 3, [threeB, cable]), session: &grown)
        #expect(mutation(engine.offerAccepted(Build.acceptance(shown.presentationId, minute: 1), key: nil, session: &grown))?.operations
                == [.removeLine(lineId: "b"), add(3)])

        // Neither left: still a cartMismatch.
        _ = engine.cartUpdated(Build.cart(version: 4, [cable]), session: &session)
        #expect(rejection(engine.offerAccepted(Build.acceptance(shown.presentationId, minute: 1), key: nil, session: &session)) == .cartMismatch)
    }

    @Test("a redelivered cart event changes nothing: no output, the same stored bytes")
    func redeliveredCartEvent() throws {
        let engine = try engine([Build.caseBundle, Build.proUpgrade])
        var session: CartSession?
        let v1 = Build.cart(version: 1, minute: 0, [phone])
        let v2 = Build.cart(version: 2, minute: 2, [phone, cable])
        let shown = engine.cartUpdated(v1, session: &session)
        _ = engine.cartUpdated(v2, session: &session)
        _ = engine.offerAccepted(Build.acceptance(shown[1].presentationId, minute: 3), key: "cart-1", session: &session)
        func bytes(_ session: CartSession?) throws -> [UInt8] {
            var writer = BinaryWriter()
            try #require(session).encode(into: &writer, relativeTo: Build.time(3))
            return writer.bytes
        }
        let before = try bytes(session)
        for event in [v1, v2, v1] {
            #expect(engine.cartUpdated(event, session: &session).isEmpty)
            #expect(try bytes(session) == before)
        }
    }

    @Test("the same events give the same outputs")
    func deterministic() throws {
        func run() throws -> [String] {
            let engine = try engine([Build.caseBundle, Build.proUpgrade])
            var session: CartSession?
            let shown = engine.cartUpdated(Build.cart([phone, cable]), session: &session)
            let outcome = engine.offerAccepted(Build.acceptance(shown[0].presentationId, minute: 3), key: "cart-1", session: &session)
            return shown.map { String(decoding: Build.codec.encode($0), as: UTF8.self) } + [String(decoding: Build.codec.encode(mutation(outcome)), as: UTF8.self)]
        }
        #expect(try run() == run())
    }

    func rejection(_ outcome: AcceptanceOutcome) -> RejectionReason? {
        if case .rejected(let rejected) = outcome { rejected.reason } else { nil }
    }

    func mutation(_ outcome: AcceptanceOutcome) -> CartMutation? {
        if case .mutation(let mutation) = outcome { mutation } else { nil }
    }
}
