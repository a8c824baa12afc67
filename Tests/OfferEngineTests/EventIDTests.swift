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
}
