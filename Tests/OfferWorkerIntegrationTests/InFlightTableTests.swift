import Testing
@testable import OfferWorker

/// The loop's table of records in flight: a delivery report finds exactly the record its
/// token was given for, never a later one in the same slot.
@Suite("InFlightTable: records in flight by delivery token")
struct InFlightTableTests {
    @Test("a report finds its record once; a slot's earlier token, an unfilled one and the untracked one find nothing")
    func tokens() {
        var table = InFlightTable<String>()
        let first = table.reserve()
        table.fill(first, with: "a")
        let second = table.reserve()
        table.fill(second, with: "b")
        #expect(table.count == 2)
        #expect(table.remove(first) == "a")
        #expect(table.remove(first) == nil)
        // The freed slot is used again under a new token; the old one does not reach it.
        let third = table.reserve()
        table.fill(third, with: "c")
        #expect(third != first && third & 0xFFFF_FFFF == first & 0xFFFF_FFFF)
        #expect(table.remove(first) == nil)
        #expect(table.remove(InFlightTable<String>.untracked) == nil)
        // A reserved token given back (its record was refused before it was enqueued).
        let refused = table.reserve()
        table.release(refused)
        #expect(table.remove(refused) == nil)
        #expect(table.count == 2)
        #expect(table.remove(second) == "b" && table.remove(third) == "c" && table.isEmpty)
    }

    @Test("after removeAll (a committed transaction), earlier tokens find nothing, even once their slots are in use again")
    func removeAll() {
        var table = InFlightTable<Int>()
        let tokens = (0..<100).map { value in
            let token = table.reserve()
            table.fill(token, with: value)
            return token
        }
        table.removeAll()
        #expect(table.isEmpty)
        let again = (0..<100).map { value in
            let token = table.reserve()
            table.fill(token, with: 1_000 + value)
            return token
        }
        #expect(tokens.allSatisfy { table.remove($0) == nil })
        #expect(again.map { table.remove($0) } == (0..<100).map { 1_000 + $0 })
        #expect(table.isEmpty)
    }
}
