extension CartSession {
    /// Writes the session in its binary form (format version 1 of the worker's state
    /// record, which writes the version byte and `base` itself): the cart snapshot, the
    /// presentations sorted by id, then presentation counts and declines sorted by offer id,
    /// so equal sessions give equal bytes. Times are written relative to `base` (the
    /// record's last activity), which keeps each to two or three bytes.
    public func encode(into writer: inout BinaryWriter, relativeTo base: EventTime) {
        cart.encode(into: &writer)
        writer.writeCount(presentations.count)
        // The table is in key order already. (Each presentation is still copied around its
        // `encode` call, retaining its strings and arrays: neither a pointer's element nor the
        // array's subscript avoided that.)
        for index in presentations.entries.indices { presentations.entries[index].value.encode(into: &writer, relativeTo: base) }
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
        presentations.entries.withUnsafeBufferPointer { entries in
            for entry in entries.indices {
                size += 2 * field + string(entries[entry].value.presentationId) + string(entries[entry].value.offerId)
                for index in entries[entry].value.triggerLineIds.indices { size += string(entries[entry].value.triggerLineIds[index]) }
                size += 4 * field
                for index in entries[entry].value.items.indices {
                    size += 4 * field + string(entries[entry].value.items[index].productId)
                        + string(entries[entry].value.items[index].variantId)
                }
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

    /// The free room a decoded session's presentations get: the default
    /// `maxOffersPerCart`, what one cart event can add.
    static let presentationHeadroom = 3

    /// Reads what ``encode(into:relativeTo:)`` wrote, with the same `base`.
    public init(from reader: inout BinaryReader, relativeTo base: EventTime) throws(BinaryDecodingError) {
        let cart = try CartSnapshot(from: &reader)
        let presentationCount = try reader.readCount("presentation count", limit: 100_000)
        // Sized once, with room for the presentations this cart event may add (3, the
        // default `maxOffersPerCart`), so the engine's inserts do not grow it.
        var presentations = Presentations(minimumCapacity: presentationCount + Self.presentationHeadroom)
        for _ in 0..<presentationCount {
            let start = reader.offset
            let presentation = try Presentation(from: &reader, relativeTo: base)
            let id = presentation.presentationId
            // Moved in, not copied (a copy retains each of its strings and arrays); written
            // in key order, each is appended.
            guard presentations.add(consume presentation, forKey: id) else {
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
