extension CartSession {
    /// Writes the session in its binary form (format version 1 of the worker's state
    /// record, which writes the version byte and `base` itself): the cart snapshot, the
    /// presentations sorted by id, then presentation counts and declines sorted by offer id,
    /// so equal sessions give equal bytes. Times are written relative to `base` (the
    /// record's last activity), which keeps each to two or three bytes.
    public func encode(into writer: inout BinaryWriter, relativeTo base: EventTime) {
        cart.encode(into: &writer)
        writer.writeCount(presentations.count)
        forEachPresentationInKeyOrder { keyBits, index in
            // A copy (retaining its strings and arrays): `Dictionary.Values` has no
            // borrowing subscript to read it in place.
            let presentation = presentations.values[index]
            // The key is the presentation's own id, so each id is parsed once. (A canonical
            // UUID is `==` only to the same bytes: no other characters are canonically
            // equivalent to hex digits and dashes.)
            let idBits = presentations.keys[index] == presentation.presentationId
                ? keyBits : BinaryWriter.canonicalUUID(presentation.presentationId)
            presentation.encode(into: &writer, relativeTo: base, uuid: idBits)
        }
        writer.writeCount(presentationCounts.count)
        Self.forEachInKeyOrder(presentationCounts) { offerId, count in
            writer.writeSharedString(offerId)
            writer.writeSignedVarint(Int64(count))
        }
        writer.writeCount(declinedOffers.count)
        Self.forEachInKeyOrder(declinedOffers) { offerId, time in
            writer.writeSharedString(offerId)
            writer.writeTime(time, relativeTo: base)
        }
    }

    /// At least the number of bytes ``encode(into:relativeTo:)`` writes, worked out without
    /// writing them (no shared-string table, no sorting): each string counts its UTF-8 bytes
    /// plus 10 for its length (a back-reference is shorter), every other field 20 bytes, its
    /// largest encoding (a decimal's varint and scale; numbers, counts, times and the id's 16
    /// bytes take less). A worker checks a new state against the changelog's record limit
    /// with it, and encodes the state only when this bound comes near the limit.
    public var encodedSizeBound: Int {
        let field = 20
        @inline(__always) func string(_ value: String) -> Int { value.utf8.count + 10 }
        var size = 2 * field
        for index in cart.lines.indices { size += string(cart.lines[index].lineId) + field }
        size += field
        for presentation in presentations.values {
            size += 2 * field + string(presentation.presentationId) + string(presentation.offerId)
            for index in presentation.triggerLineIds.indices { size += string(presentation.triggerLineIds[index]) }
            size += 4 * field
            for index in presentation.items.indices {
                size += 4 * field + string(presentation.items[index].productId) + string(presentation.items[index].variantId)
            }
        }
        size += field
        for offerId in presentationCounts.keys { size += string(offerId) + field }
        size += field
        for offerId in declinedOffers.keys { size += string(offerId) + field }
        return size
    }

    /// `body` for each entry of `dictionary`, in the order of the keys as `String`s. Most
    /// sessions have none or one of each, which need no sorted copy.
    private static func forEachInKeyOrder<Value>(_ dictionary: [String: Value], _ body: (String, Value) -> Void) {
        if dictionary.count <= 1 {
            for (key, value) in dictionary { body(key, value) }
            return
        }
        for (key, value) in dictionary.sorted(by: { $0.key < $1.key }) { body(key, value) }
    }

    /// `body` with where each presentation is in ``presentations``, in the order of their
    /// keys as `String`s, and the key's ``BinaryWriter/canonicalUUID(_:)``.
    ///
    /// The engine's ids are all canonical UUIDs, whose text orders as their bits do (fixed
    /// dashes, and `0`–`9` sort before `a`–`f` as their values do), so they are sorted as
    /// integers: comparing 36-character strings was most of the encoder's sorting time. A
    /// session with any other id is sorted as strings. The order is worked out in a
    /// temporary buffer (on the stack for the usual few presentations), not a new array.
    private func forEachPresentationInKeyOrder(_ body: (UInt128?, Dictionary<String, Presentation>.Index) -> Void) {
        typealias Entry = (keyBits: UInt128?, index: Dictionary<String, Presentation>.Index)
        let count = presentations.count
        guard count > 0 else { return }
        withUnsafeTemporaryAllocation(of: Entry.self, capacity: count) { ordered in
            var allCanonical = true
            var index = presentations.startIndex
            var position = 0
            while index != presentations.endIndex {
                let keyBits = BinaryWriter.canonicalUUID(presentations.keys[index])
                allCanonical = allCanonical && keyBits != nil
                (ordered.baseAddress! + position).initialize(to: (keyBits, index))
                position += 1
                presentations.formIndex(after: &index)
            }
            var sorting = ordered
            if allCanonical {
                sorting.sort { $0.keyBits! < $1.keyBits! }
            } else {
                sorting.sort { presentations.keys[$0.index] < presentations.keys[$1.index] }
            }
            for entry in ordered { body(entry.keyBits, entry.index) }
            _ = ordered.deinitialize()
        }
    }

    /// The free room a decoded session's presentations get: the default
    /// `maxOffersPerCart`, what one cart event can add.
    static let presentationHeadroom = 3

    /// Reads what ``encode(into:relativeTo:)`` wrote, with the same `base`.
    public init(from reader: inout BinaryReader, relativeTo base: EventTime) throws(BinaryDecodingError) {
        let cart = try CartSnapshot(from: &reader)
        let presentationCount = try reader.readCount("presentation count", limit: 100_000)
        // Sized once, with room for the presentations this cart event may add (3, the
        // default `maxOffersPerCart`), so the engine's inserts do not grow and rehash it.
        // (`reserveCapacity` later is not specialized and cost more than it saved.)
        var presentations = [String: Presentation](minimumCapacity: presentationCount + Self.presentationHeadroom)
        for _ in 0..<presentationCount {
            let start = reader.offset
            let presentation = try Presentation(from: &reader, relativeTo: base)
            let id = presentation.presentationId
            // Moved in, not copied (a copy retains each of its strings and arrays).
            guard presentations.updateValue(consume presentation, forKey: id) == nil else {
                throw reader.error("presentation \(id) appears twice", at: start)
            }
        }
        let countCount = try reader.readCount("presentationCounts count", limit: 100_000)
        var presentationCounts = [String: Int](minimumCapacity: countCount)
        for _ in 0..<countCount {
            let start = reader.offset
            let offerId = try reader.readSharedString("presentationCounts offerId")
            let countOffset = reader.offset
            let count = try reader.readSignedVarint("presentation count of \(offerId)")
            guard (0...Int64(Int32.max)).contains(count) else {
                throw reader.error("presentation count of \(offerId): \(count) is out of range", at: countOffset)
            }
            guard presentationCounts.updateValue(Int(count), forKey: offerId) == nil else {
                throw reader.error("presentationCounts: \(offerId) appears twice", at: start)
            }
        }
        let declineCount = try reader.readCount("declinedOffers count", limit: 100_000)
        var declinedOffers = [String: EventTime](minimumCapacity: declineCount)
        for _ in 0..<declineCount {
            let start = reader.offset
            let offerId = try reader.readSharedString("declinedOffers offerId")
            let time = try reader.readTime("decline time of \(offerId)", relativeTo: base)
            guard declinedOffers.updateValue(time, forKey: offerId) == nil else {
                throw reader.error("declinedOffers: \(offerId) appears twice", at: start)
            }
        }
        self.init(cart: cart, presentations: presentations, presentationCounts: presentationCounts, declinedOffers: declinedOffers)
    }
}
