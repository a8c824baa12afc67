/// Records produced and not yet acknowledged, found by the token their delivery report
/// carries.
///
/// Every output is entered once and looked up once, on the loop's thread. As a dictionary
/// keyed by a counter, each of those hashed the token. Here a token names a slot (its low 32
/// bits) and that slot's use (its high 32 bits): entering and finding a record index an
/// array, and freed slots are reused from a free list. A report for a slot's earlier use, or
/// for a token that never named a slot (``untracked``), finds nothing.
struct InFlightTable<Element> {
    private struct Slot {
        var use: UInt32 = 0
        var element: Element?
    }

    private var slots: [Slot] = []
    private var free: [Int] = []
    /// How many records are held.
    private(set) var count = 0

    /// A token no record is held under: for records produced without being tracked.
    static var untracked: UInt { UInt(UInt32.max) }

    var isEmpty: Bool { count == 0 }

    /// Takes a slot for a record about to be produced and returns its token; ``fill(_:with:)``
    /// then holds the record, or ``release(_:)`` gives the slot back.
    mutating func reserve() -> UInt {
        let index: Int
        if let reused = free.popLast() {
            index = reused
        } else {
            precondition(slots.count < Int(UInt32.max), "fewer than 2³² records in flight")
            index = slots.count
            slots.append(Slot())
        }
        slots[index].use &+= 1
        return UInt(slots[index].use) << 32 | UInt(index)
    }

    /// Holds `element` under `token`, from ``reserve()``.
    mutating func fill(_ token: UInt, with element: consuming Element) {
        let index = Int(token & 0xFFFF_FFFF)
        precondition(slots[index].element == nil && UInt(slots[index].use) == token >> 32, "a token reserved and not yet filled")
        slots[index].element = element
        count += 1
    }

    /// Gives back the slot of a reserved token that was not filled.
    mutating func release(_ token: UInt) {
        let index = Int(token & 0xFFFF_FFFF)
        guard index < slots.count, UInt(slots[index].use) == token >> 32, slots[index].element == nil else { return }
        free.append(index)
    }

    /// Takes out the record held under `token`, if any.
    mutating func remove(_ token: UInt) -> Element? {
        let index = Int(token & 0xFFFF_FFFF)
        guard index < slots.count, UInt(slots[index].use) == token >> 32, slots[index].element != nil else { return nil }
        count -= 1
        free.append(index)
        return slots[index].element.take()
    }

    /// Drops every record (their slots are reused; tokens given out before match nothing).
    mutating func removeAll() {
        for index in slots.indices where slots[index].element != nil {
            slots[index].element = nil
            free.append(index)
        }
        count = 0
    }
}
