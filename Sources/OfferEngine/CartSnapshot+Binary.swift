extension CartSnapshot {
    /// Writes the snapshot for a ``CartSession`` record: the version, then each line's id
    /// (a shared string, so trigger line ids that repeat it take a byte) and quantity.
    public func encode(into writer: inout BinaryWriter) {
        writer.writeSignedVarint(version)
        writer.writeCount(lines.count)
        // By index, which reads each line in place (a `for in` copies it, retaining its id).
        for index in lines.indices {
            writer.writeSharedString(lines[index].lineId)
            writer.writeSignedVarint(Int64(lines[index].quantity))
        }
    }

    /// Reads what ``encode(into:)`` wrote; quantities must be within a cart line's limits.
    public init(from reader: inout BinaryReader) throws(BinaryDecodingError) {
        let version = try reader.readSignedVarint("cart version")
        let count = try reader.readCount("cart line count", limit: 100_000)
        var lines: [Line] = []
        lines.reserveCapacity(count)
        for _ in 0..<count {
            let lineId = try reader.readSharedString("cart lineId")
            let quantityOffset = reader.offset
            let quantity = try reader.readSignedVarint("cart line quantity")
            guard (0...Int64(CartLine.maximumQuantity)).contains(quantity) else {
                throw reader.error("cart line quantity: \(quantity) is outside 0...\(CartLine.maximumQuantity)", at: quantityOffset)
            }
            lines.append(Line(lineId: lineId, quantity: Int(quantity)))
        }
        self.init(version: version, lines: lines)
    }
}
