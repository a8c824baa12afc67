import Testing
@testable import OfferEngine

@Suite("EventID: deterministic ids")
struct EventIDTests {
    @Test("the same input gives the same UUIDv8; different input a different one")
    func deterministic() {
        let id = EventID.derive("offer.presented", "p-1")
        #expect(id == EventID.derive("offer.presented", "p-1"))
        #expect(id != EventID.derive("offer.presented", "p-2"))
        #expect(EventID.derive("ab", "c") != EventID.derive("a", "bc"))
        #expect(id.count == 36)
        #expect(Array(id)[14] == "8")
        #expect("89ab".contains(Array(id)[19]))
    }

    @Test("a presentation id tells whether it was made for another cart")
    func cartTag() {
        let id = EventID.presentation(cartId: "cart-a", offerId: "o", cartEventId: "e")
        #expect(!EventID.presentation(id, belongsToAnotherCartThan: "cart-a"))
        #expect(EventID.presentation(id, belongsToAnotherCartThan: "cart-b"))
        #expect(!EventID.presentation("not-an-id", belongsToAnotherCartThan: "cart-b"))
    }

    @Test("ids are the length-prefixed SHA-256 of their parts, as published before: replays compare them byte for byte")
    func pinnedValues() {
        // Computed independently (Python hashlib) from the documented construction.
        #expect(EventID.derive("offer.presented", "p-1") == "b0efd7d3-6bbd-80f8-a6e0-e56180624095")
        #expect(EventID.derive("ab", "c") == "f2939f90-3016-85bb-a9b1-e4a61cdbd376")
        #expect(EventID.derive("") == "df3f6198-04a9-8fdb-8057-192dc43dd748")
        #expect(EventID.presentation(cartId: "cart-a", offerId: "o", cartEventId: "e") == "c311c02c-e69f-8cf2-b977-abf18dd9c6d8")
        #expect(EventID.presentation(cartId: "cärt-ü", offerId: "offer-9", cartEventId: "evt-ß") == "bc14eb49-716d-8ce1-ba2b-ad376b5319c2")
        #expect(EventID.bucket("holdout", "cart-1", "o", count: 10_000) == 6503)
        #expect(EventID.bucket("holdout", "cart-1", "o", count: 7) == 3)
    }

    @Test("the two-part and three-part shortcuts and the variadic forms give the published values")
    func pinnedValuesAtEveryArity() {
        // Computed independently (Python hashlib) from the documented construction.
        #expect(EventID.derive("dead-letter", "orders/3@17") == "a29c1d26-cfd7-8356-85b3-b6ac2213a82d")
        #expect(EventID.derive("a", "b", "c") == "db0a8b92-0d42-8074-b0a7-5e382383d31f")
        #expect(EventID.bucket("holdout", "cart-1", count: 1_000) == 605)
        #expect(EventID.bucket("x", "y", "z", "w", count: 97) == 45)
    }
}
