import Foundation
import OfferEngine
@testable import OfferWorker
import Testing

/// The changelog value of one cart: format 1 is binary; the JSON the worker wrote before
/// it is still read. No broker needed.
@Suite("StoredCart: changelog value format")
struct StoredCartTests {
    /// Written by the worker before format 1 (commit 0ac5e42): cart-7 with phone (2), cable
    /// and case lines at version 2; pro-upgrade (matchTrigger, version 2, holdout 0)
    /// presented at 10:00 and 10:03 and accepted (acc-7), case-bundle and cable-deal
    /// presented at 10:00, cable-deal declined at 10:06.
    static let legacyJSON = #"{"lastActivity":"2026-11-24T10:06:00Z","recentCartEvents":["evt-cart-7-1","evt-cart-7-2"],"session":{"cart":{"cartId":"cart-7","currency":"EUR","eventId":"evt-cart-7-2","lines":[{"collectionIds":["phones"],"lineId":"l1","productId":"phone-std","quantity":2,"unitPrice":"799.00","variantId":"phone-std-64"},{"collectionIds":[],"lineId":"l2","productId":"usb-cable","quantity":2,"unitPrice":"9.50","variantId":"usb-cable-1m"},{"collectionIds":[],"lineId":"l3","productId":"phone-case","quantity":1,"unitPrice":"29.00","variantId":"phone-case-black"}],"occurredAt":"2026-11-24T10:03:00Z","version":2},"declinedOffers":{"cable-deal":"2026-11-24T10:06:00Z"},"presentationCounts":{"pro-upgrade":2},"presentations":{"d2a0374a-017d-8843-b590-4ed1bf03e8ab":{"acceptedBy":"acc-7","cartVersion":2,"experimentArm":"treatment","expiresAt":"2026-11-24T10:33:00Z","items":[{"compareAtPrice":"999.00","productId":"phone-pro","quantity":2,"unitPrice":"899.10","variantId":"phone-pro-128"}],"offerId":"pro-upgrade","offerKind":"upsell","offerVersion":2,"presentationId":"d2a0374a-017d-8843-b590-4ed1bf03e8ab","presentedAt":"2026-11-24T10:03:00Z","triggerLineIds":["l1"],"triggerSignature":"l1\u001fphone-std-64\u001f2"},"d2a0374a-4066-82f2-b759-8e49160fdadc":{"cartVersion":1,"expiresAt":"2026-11-24T10:10:00Z","items":[{"productId":"phone-case","quantity":1,"unitPrice":"29.00","variantId":"phone-case-black"}],"offerId":"case-bundle","offerKind":"crossSell","offerVersion":1,"presentationId":"d2a0374a-4066-82f2-b759-8e49160fdadc","presentedAt":"2026-11-24T10:00:00Z","triggerLineIds":["l1"],"triggerSignature":"l1\u001fphone-std-64\u001f1"},"d2a0374a-9f87-8b50-9045-aee220d13fe8":{"cartVersion":1,"experimentArm":"treatment","expiresAt":"2026-11-24T10:30:00Z","items":[{"compareAtPrice":"999.00","productId":"phone-pro","quantity":1,"unitPrice":"899.10","variantId":"phone-pro-128"}],"offerId":"pro-upgrade","offerKind":"upsell","offerVersion":2,"presentationId":"d2a0374a-9f87-8b50-9045-aee220d13fe8","presentedAt":"2026-11-24T10:00:00Z","triggerLineIds":["l1"],"triggerSignature":"l1\u001fphone-std-64\u001f1"},"d2a0374a-bb8e-8c34-80cb-7d00868f6757":{"cartVersion":1,"expiresAt":"2026-11-24T10:10:00Z","items":[{"productId":"charger","quantity":1,"unitPrice":"19.90","variantId":"charger-20w"}],"offerId":"cable-deal","offerKind":"crossSell","offerVersion":1,"presentationId":"d2a0374a-bb8e-8c34-80cb-7d00868f6757","presentedAt":"2026-11-24T10:00:00Z","triggerLineIds":["l2"],"triggerSignature":"l2\u001fusb-cable-1m\u001f2"}}}}"#

    static let catalog: [Offer] = [
        Fixtures.offer(#"{"offerId":"pro-upgrade","kind":"upsell","status":"active","priority":10,"ttlSeconds":1800,"maxPresentationsPerCart":3,"holdoutPercent":0,"version":2,"displayCriteria":{"cartContains":{"productIds":["phone-std"]}},"items":[{"productId":"phone-pro","variantId":"phone-pro-128","quantity":"matchTrigger","prices":{"EUR":{"percentOff":"10","of":"999.00"}}}]}"#),
        Fixtures.offers[1],
        Fixtures.offer(#"{"offerId":"cable-deal","kind":"crossSell","status":"active","currency":"EUR","priority":1,"ttlSeconds":600,"displayCriteria":{"cartContains":{"productIds":["usb-cable"]}},"items":[{"productId":"charger","variantId":"charger-20w","quantity":1,"unitPrice":"19.90"}]}"#),
    ]

    static let accepted = "d2a0374a-017d-8843-b590-4ed1bf03e8ab"

    @Test("a JSON value written before format 1 is read, converted, and behaves as before")
    func legacyJSON() throws {
        let json = Array(Self.legacyJSON.utf8)
        let stored = try StoredCart(decoding: json)
        #expect(stored.lastActivity == EventTime(rfc3339: "2026-11-24T10:06:00Z"))
        let session = stored.session
        #expect(session.cart == CartSnapshot(version: 2, lines: [.init(lineId: "l1", quantity: 2), .init(lineId: "l2", quantity: 2),
                                                                 .init(lineId: "l3", quantity: 1)]))
        #expect(session.presentations.count == 4)
        #expect(session.presentations.values.filter(\.isAccepted).map(\.presentationId) == [Self.accepted])
        let upsell = try #require(session.presentations[Self.accepted])
        #expect(upsell.offerKind == .upsell && upsell.triggerLineIds == ["l1"])
        #expect(upsell.items == [Presentation.Item(productId: "phone-pro", variantId: "phone-pro-128", quantity: 2,
                                                   unitPrice: DecimalAmount("899.10")!, compareAtPrice: DecimalAmount("999.00")!)])
        #expect(upsell.presentedAt == EventTime(rfc3339: "2026-11-24T10:03:00Z") && upsell.expiresAt == EventTime(rfc3339: "2026-11-24T10:33:00Z"))
        #expect(session.presentationCounts == ["pro-upgrade": 2])
        #expect(session.declinedOffers == ["cable-deal": EventTime(rfc3339: "2026-11-24T10:06:00Z")!])

        // Written back in format 1, much smaller, and read back the same.
        let binary = stored.encoded()
        print("legacy JSON value: \(json.count) bytes; as format 1: \(binary.count) bytes")
        #expect(binary.first == StoredCart.formatVersion && binary.count * 5 < json.count)
        #expect(try StoredCart(decoding: binary) == stored)
        #expect(try StoredCart.lastActivity(ofEncoded: binary) == stored.lastActivity)
        #expect(try StoredCart.lastActivity(ofEncoded: json) == stored.lastActivity)

        // The engine carries on: the repeated acceptance is recognised; the same cart again
        // does not re-present pro-upgrade (its text trigger signature still matches); the
        // declined offer stays away.
        let engine = OfferEngine(catalog: try OfferCatalog(offers: Self.catalog))
        var restored: CartSession? = session
        #expect(engine.offerAccepted(Fixtures.accept(Self.accepted, cart: "cart-7", minute: 7, event: "acc-8"), key: "cart-7", session: &restored) == .alreadyAccepted)
        let sameLines = Fixtures.cart("cart-7", version: 3, minute: 8, lines: [("l1", "phone-std", "phone-std-64", 2, "799.00", ["phones"]), Fixtures.cableLine, Fixtures.caseLine])
        #expect(engine.cartUpdated(sameLines, session: &restored).isEmpty)
        let threePhones = Fixtures.cart("cart-7", version: 4, minute: 9, lines: [("l1", "phone-std", "phone-std-64", 3, "799.00", ["phones"]), Fixtures.cableLine, Fixtures.caseLine])
        #expect(engine.cartUpdated(threePhones, session: &restored).map(\.offerId) == ["pro-upgrade"])
    }

    @Test("format 1 reads back equal and is deterministic")
    func roundTrip() throws {
        let stored = try StoredCart(decoding: Array(Self.legacyJSON.utf8))
        let bytes = stored.encoded()
        let again = try StoredCart(decoding: bytes)
        #expect(again == stored && again.encoded() == bytes)
        var idle = StoredCart(session: CartSession(cart: CartSnapshot(version: 1, lines: [])), lastActivity: EventTime(millisecondsSinceEpoch: 1_795_000_000_123))
        #expect(try StoredCart(decoding: idle.encoded()) == idle)
        idle.lastActivity = EventTime(millisecondsSinceEpoch: -5)
        #expect(try StoredCart(decoding: idle.encoded()) == idle)
    }

    @Test("unreadable values are refused with a reason, never a crash")
    func unreadable() throws {
        func reason(_ bytes: [UInt8]) -> String {
            do { _ = try StoredCart(decoding: bytes); return "decoded" } catch { return error.reason }
        }
        let bytes = try StoredCart(decoding: Array(Self.legacyJSON.utf8)).encoded()
        #expect(reason([]) == "empty value")
        #expect(reason([9] + bytes.dropFirst()) == "unknown state format version 9 (this worker reads 1 and legacy JSON)")
        #expect(reason(Array(bytes.prefix(3))) == "state format 1, at byte 1: lastActivity: unexpected end of data")
        #expect(reason(bytes + [0, 0]) == "state format 1, at byte \(bytes.count): 2 bytes after the session")
        #expect(reason(Array(#"{"session":{}}"#.utf8)).hasPrefix("legacy JSON state: "))
        for length in 1..<bytes.count { #expect(reason(Array(bytes.prefix(length))).hasPrefix("state format 1, at byte ")) }
    }
}
