import Testing
@testable import OfferEngine

/// The table a cart's presentations are held in: a lookup by id, and the id order the
/// changelog writes them in, whatever order they were made or read in.
@Suite("Presentations: lookup by id, kept in id order")
struct PresentationsTests {
    static func presentation(_ id: String, offer: String = "offer-1", at minute: Int = 0) -> Presentation {
        let time = EventTime(rfc3339: "2026-11-24T10:00:00Z")!.adding(seconds: minute * 60)
        return Presentation(
            presentationId: id, offerId: offer, offerKind: .crossSell, triggerLineIds: ["line-1"], triggerSignature: 7,
            items: [], presentedAt: time, expiresAt: time.adding(seconds: 1800))
    }

    @Test("added in any order, the ids come out sorted and equal tables are equal")
    func anyOrder() {
        let ids = ["c9", "0a", "b1", "a-long-id-that-is-not-a-uuid", "01", "zz"]
        var forward = Presentations()
        for id in ids { forward[id] = Self.presentation(id) }
        var backward = Presentations()
        for id in ids.reversed() { backward[id] = Self.presentation(id) }
        #expect(forward.keys == ids.sorted())
        #expect(forward.values.map(\.presentationId) == ids.sorted())
        #expect(forward == backward)
        #expect(forward.hashValue == backward.hashValue)
        #expect(forward["b1"]?.presentationId == "b1" && forward["b2"] == nil)
    }

    @Test("assigning replaces or removes one entry, and add refuses an id held already")
    func replaceRemoveAdd() {
        var table: Presentations = ["a": Self.presentation("a"), "c": Self.presentation("c")]
        table["a"] = Self.presentation("a", offer: "offer-2")
        table["c"] = nil
        table["x"] = nil
        #expect(table.keys == ["a"] && table["a"]?.offerId == "offer-2")
        // The changelog's order appends; any other order inserts in place.
        let appended = table.add(Self.presentation("d"), forKey: "d")
        let inserted = table.add(Self.presentation("b"), forKey: "b")
        let repeated = table.add(Self.presentation("b", offer: "offer-9"), forKey: "b")
        #expect(appended && inserted && !repeated)
        #expect(table.keys == ["a", "b", "d"] && table["b"]?.offerId == "offer-1")
    }

    @Test("removeAll(where:) drops what it picks and leaves a shared table's storage alone when it picks nothing")
    func removeAll() {
        let full: Presentations = ["a": Self.presentation("a", at: 0), "b": Self.presentation("b", at: 90), "c": Self.presentation("c", at: 5)]
        var copy = full
        copy.removeAll { $0.presentedAt > Self.presentation("x", at: 100).presentedAt }
        #expect(copy == full)
        copy.entries.withUnsafeBufferPointer { mine in
            full.entries.withUnsafeBufferPointer { theirs in #expect(mine.baseAddress == theirs.baseAddress) }
        }
        copy.removeAll { $0.presentedAt > Self.presentation("x", at: 10).presentedAt }
        #expect(copy.keys == ["a", "c"] && full.count == 3)
    }

    @Test("the open presentation an offer is still shown by is its latest one, read from the table")
    func liveTriggerSignature() {
        var session = CartSession(cart: CartSnapshot(version: 1, lines: []))
        var early = Self.presentation("p-early", at: 0)
        early.triggerSignature = 1
        var late = Self.presentation("p-late", at: 20)
        late.triggerSignature = 2
        var other = Self.presentation("p-other", offer: "offer-2", at: 25)
        other.triggerSignature = 3
        for presentation in [late, other, early] { session.presentations[presentation.presentationId] = presentation }
        let now = Self.presentation("now", at: 25).presentedAt
        #expect(session.liveTriggerSignature(of: "offer-1", at: now) == 2)
        #expect(session.liveTriggerSignature(of: "offer-2", at: now) == 3)
        // After the late one expires (at minute 50), none of offer 1's is open.
        #expect(session.liveTriggerSignature(of: "offer-1", at: Self.presentation("later", at: 51).presentedAt) == nil)
        #expect(session.liveTriggerSignature(of: "offer-3", at: now) == nil)
    }
}
