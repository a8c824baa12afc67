extension CartSession {
    /// Writes the session in its binary form (format version 1 of the worker's state
    /// record, which writes the version byte and `base` itself): the cart snapshot, the
    /// presentations sorted by id, then presentation counts and declines sorted by offer id,
    /// so equal sessions give equal bytes. Times are written relative to `base` (the
    /// record's last activity), which keeps each to two or three bytes.
    public func encode(into writer: inout BinaryWriter, relativeTo base: EventTime) {
        cart.encode(into: &writer)
        writer.writeCount(presentations.count)
        for id in presentations.keys.sorted() {
            presentations[id]!.encode(into: &writer, relativeTo: base)
        }
        writer.writeCount(presentationCounts.count)
        for offerId in presentationCounts.keys.sorted() {
            writer.writeSharedString(offerId)
            writer.writeSignedVarint(Int64(presentationCounts[offerId]!))
        }
        writer.writeCount(declinedOffers.count)
        for offerId in declinedOffers.keys.sorted() {
            writer.writeSharedString(offerId)
            writer.writeTime(declinedOffers[offerId]!, relativeTo: base)
        }
    }

    /// Reads what ``encode(into:relativeTo:)`` wrote, with the same `base`.
    public init(from reader: inout BinaryReader, relativeTo base: EventTime) throws(BinaryDecodingError) {
        let cart = try CartSnapshot(from: &reader)
        let presentationCount = try reader.readCount("presentation count", limit: 100_000)
        var presentations: [String: Presentation] = [:]
        presentations.reserveCapacity(presentationCount)
        for _ in 0..<presentationCount {
            let start = reader.offset
            let presentation = try Presentation(from: &reader, relativeTo: base)
            guard presentations.updateValue(presentation, forKey: presentation.presentationId) == nil else {
                throw reader.error("presentation \(presentation.presentationId) appears twice", at: start)
            }
        }
        let countCount = try reader.readCount("presentationCounts count", limit: 100_000)
        var presentationCounts: [String: Int] = [:]
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
        var declinedOffers: [String: EventTime] = [:]
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
