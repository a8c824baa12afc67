extension Presentation {
    private enum Flag {
        static let upsell: UInt8 = 1 << 0
        static let accepted: UInt8 = 1 << 1
        /// The id is a canonical UUID, written as its 16 bytes; otherwise as a string.
        static let uuidId: UInt8 = 1 << 2
        static let all: UInt8 = upsell | accepted | uuidId
    }

    private enum ItemFlag {
        static let compareAtPrice: UInt8 = 1 << 0
        static let matchesTriggerQuantity: UInt8 = 1 << 1
        static let all: UInt8 = compareAtPrice | matchesTriggerQuantity
    }

    /// Writes the presentation for a ``CartSession`` record: a flags byte (upsell,
    /// accepted, id form), the id (16 bytes when it is a UUID, as the engine makes them),
    /// the offer id, trigger line ids, the signature (8 bytes), `presentedAt` relative to
    /// `base`, `expiresAt` relative to `presentedAt`, and the items.
    public func encode(into writer: inout BinaryWriter, relativeTo base: EventTime) {
        let uuid = BinaryWriter.canonicalUUID(presentationId)
        var flags: UInt8 = 0
        if offerKind == .upsell { flags |= Flag.upsell }
        if isAccepted { flags |= Flag.accepted }
        if uuid != nil { flags |= Flag.uuidId }
        writer.writeByte(flags)
        if let uuid {
            writer.writeUUID(uuid)
        } else {
            writer.writeString(presentationId)
        }
        writer.writeSharedString(offerId)
        writer.writeCount(triggerLineIds.count)
        // By index, which reads each element in place (a `for in` copies it, retaining it).
        for index in triggerLineIds.indices { writer.writeSharedString(triggerLineIds[index]) }
        writer.writeFixed64(triggerSignature)
        writer.writeTime(presentedAt, relativeTo: base)
        writer.writeTime(expiresAt, relativeTo: presentedAt)
        writer.writeCount(items.count)
        for index in items.indices {
            var itemFlags: UInt8 = 0
            if items[index].compareAtPrice != nil { itemFlags |= ItemFlag.compareAtPrice }
            if items[index].matchesTriggerQuantity { itemFlags |= ItemFlag.matchesTriggerQuantity }
            writer.writeByte(itemFlags)
            writer.writeSharedString(items[index].productId)
            writer.writeSharedString(items[index].variantId)
            writer.writeSignedVarint(Int64(items[index].quantity))
            writer.writeDecimal(items[index].unitPrice)
            if let compareAtPrice = items[index].compareAtPrice { writer.writeDecimal(compareAtPrice) }
        }
    }

    /// Reads what ``encode(into:relativeTo:)`` wrote.
    public init(from reader: inout BinaryReader, relativeTo base: EventTime) throws(BinaryDecodingError) {
        let start = reader.offset
        let flags = try reader.readByte("presentation flags")
        guard flags & ~Flag.all == 0 else { throw reader.error("presentation flags: unknown bits \(flags & ~Flag.all)", at: start) }
        let presentationId = flags & Flag.uuidId != 0
            ? try reader.readCanonicalUUID("presentationId") : try reader.readString("presentationId")
        let offerId = try reader.readSharedString("offerId")
        let triggerCount = try reader.readCount("triggerLineIds count", limit: 100_000)
        var triggerLineIds: [String] = []
        triggerLineIds.reserveCapacity(triggerCount)
        for _ in 0..<triggerCount { triggerLineIds.append(try reader.readSharedString("triggerLineId")) }
        let signature = try reader.readFixed64("triggerSignature")
        let presentedAt = try reader.readTime("presentedAt", relativeTo: base)
        let expiresAt = try reader.readTime("expiresAt", relativeTo: presentedAt)
        let itemCount = try reader.readCount("items count", limit: 10_000)
        var items: [Item] = []
        items.reserveCapacity(itemCount)
        for _ in 0..<itemCount {
            let flagsOffset = reader.offset
            let itemFlags = try reader.readByte("item flags")
            guard itemFlags & ~ItemFlag.all == 0 else {
                throw reader.error("item flags: unknown bits \(itemFlags & ~ItemFlag.all)", at: flagsOffset)
            }
            let productId = try reader.readSharedString("item productId")
            let variantId = try reader.readSharedString("item variantId")
            let quantityOffset = reader.offset
            let quantity = try reader.readSignedVarint("item quantity")
            guard (0...Int64(Int32.max)).contains(quantity) else {
                throw reader.error("item quantity: \(quantity) is out of range", at: quantityOffset)
            }
            let unitPrice = try reader.readDecimal("item unitPrice")
            let compareAtPrice = itemFlags & ItemFlag.compareAtPrice != 0 ? try reader.readDecimal("item compareAtPrice") : nil
            items.append(Item(productId: productId, variantId: variantId, quantity: Int(quantity), unitPrice: unitPrice,
                              compareAtPrice: compareAtPrice, matchesTriggerQuantity: itemFlags & ItemFlag.matchesTriggerQuantity != 0))
        }
        self.init(presentationId: presentationId, offerId: offerId, offerKind: flags & Flag.upsell != 0 ? .upsell : .crossSell,
                  triggerLineIds: triggerLineIds, triggerSignature: signature, items: items, presentedAt: presentedAt,
                  expiresAt: expiresAt, isAccepted: flags & Flag.accepted != 0)
    }
}
