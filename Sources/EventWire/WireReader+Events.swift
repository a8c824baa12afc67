import OfferEngine

/// The input events, field by field as their synthesized `Decodable` conformances read
/// them: required fields with `decode`, optional ones with `decodeIfPresent` (absent or
/// null is nil), failures reported in declaration order.
extension WireReader {
    /// Reads a whole document holding one value read by `read`: after a failure that is not
    /// a syntax error, the rest of the document is still scanned, since a syntax error
    /// anywhere is what Foundation would report.
    @inline(__always)
    static func document<Value>(
        _ bytes: UnsafeBufferPointer<UInt8>, interning: UnsafeMutablePointer<WireInternTable>? = nil,
        _ read: (inout WireReader) throws(WireFailure) -> Value?
    ) throws(WireFailure) -> Value {
        guard !bytes.isEmpty else { throw .syntax }
        var reader = WireReader(bytes, interning: interning)
        let value = try read(&reader)
        if let failure = reader.failure {
            reader.index = 0
            reader.depth = 0
            try reader.skipValue()
            try reader.expectEnd()
            throw failure
        }
        try reader.expectEnd()
        return value.unsafelyUnwrapped
    }

    static let cartUpdatedFields = FieldNames([
        "eventId", "cartId", "version", "occurredAt", "currency", "customer", "lines", "subtotal", "attributes", "schemaVersion",
    ])

    mutating func readCartUpdated() throws(WireFailure) -> CartUpdated? {
        guard try expectObject() else { return nil }
        if let cart = readCompactCartUpdated() { return cart }
        var eventId: String?, cartId: String?, version: Int64?, occurredAt: EventTime?, currency: String?
        var customer: Customer?, lines: [CartLine]?, subtotal: DecimalAmount?, attributes: [String: String]?
        var schemaVersion: Int?
        var failures = FieldFailures()
        var seen: UInt32 = 0
        var hint = 0
        if try enterObject() {
            repeat {
                guard let order = try readFieldKey(in: Self.cartUpdatedFields, hint: &hint, &failures), seen & 1 << order == 0 else {
                    try skipValue()
                    continue
                }
                seen |= 1 << order
                switch order {
                case 0: eventId = try field(0, "eventId", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readString() }
                case 1: cartId = try field(1, "cartId", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readString() }
                case 2: version = try field(2, "version", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readInteger() }
                case 3: occurredAt = try field(3, "occurredAt", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readTime() }
                case 4: currency = try field(4, "currency", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readString() }
                case 5:
                    customer = try field(5, "customer", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readOptionalCustomer() }
                case 6: lines = try field(6, "lines", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readCartLines() }
                case 7:
                    subtotal = try field(7, "subtotal", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readOptionalAmount() }
                case 8:
                    attributes = try field(8, "attributes", &failures) { (r: inout WireReader) throws(WireFailure) in
                        try r.readOptionalStringDictionary()
                    }
                default:
                    schemaVersion = try field(9, "schemaVersion", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readOptionalInt() }
                }
            } while try nextMember()
        }
        if eventId == nil { failures.noteMissing(0, "eventId") }
        if cartId == nil { failures.noteMissing(1, "cartId") }
        if version == nil { failures.noteMissing(2, "version") }
        if occurredAt == nil { failures.noteMissing(3, "occurredAt") }
        if currency == nil { failures.noteMissing(4, "currency") }
        if lines == nil { failures.noteMissing(6, "lines") }
        if failed(failures) { return nil }
        return CartUpdated(
            eventId: (consume eventId).unsafelyUnwrapped, cartId: (consume cartId).unsafelyUnwrapped, version: version.unsafelyUnwrapped,
            occurredAt: occurredAt.unsafelyUnwrapped, currency: (consume currency).unsafelyUnwrapped, customer: consume customer,
            lines: (consume lines).unsafelyUnwrapped, subtotal: subtotal, attributes: consume attributes, schemaVersion: schemaVersion)
    }

    /// At the event's `{`: the event, when it is written the way encoders with sorted keys
    /// write it (see ``readCompactCartLine(appendingTo:)``, which its lines go through);
    /// otherwise `nil` with the reader back at the `{`, for the full rules.
    mutating func readCompactCartUpdated() -> CartUpdated? {
        let mark = (index, depth)
        guard depth < Self.maximumDepth - 1 else { return nil }
        var eventId: String?, cartId: String?, version: Int64?, occurredAt: EventTime?, currency: String?
        var customer: Customer?, lines: [CartLine]?, subtotal: DecimalAmount?, attributes: [String: String]?
        var schemaVersion: Int?
        index += 1
        depth += 1
        var from = 0
        do throws(WireFailure) {
            while true {
                guard let (order, slot) = compactHead(in: Self.cartUpdatedFields, from: from) else { break }
                from = slot + 1
                switch order {
                case 0: eventId = try readString()
                case 1: cartId = try readString()
                case 2: version = try readInteger()
                case 3: occurredAt = try readTime()
                case 4: currency = try readString()
                case 5: customer = try readOptionalCustomer()
                case 6: lines = try readCartLines()
                case 7: subtotal = try readOptionalAmount()
                case 8: attributes = try readOptionalStringDictionary()
                default: schemaVersion = try readOptionalInt()
                }
                guard failure == nil, let next = takeByte() else { break }
                if next == .comma { continue }
                guard next == .closeBrace, eventId != nil, cartId != nil, version != nil, occurredAt != nil, currency != nil,
                      lines != nil
                else { break }
                depth -= 1
                return CartUpdated(
                    eventId: (consume eventId).unsafelyUnwrapped, cartId: (consume cartId).unsafelyUnwrapped,
                    version: version.unsafelyUnwrapped, occurredAt: occurredAt.unsafelyUnwrapped,
                    currency: (consume currency).unsafelyUnwrapped, customer: consume customer,
                    lines: (consume lines).unsafelyUnwrapped, subtotal: subtotal, attributes: consume attributes,
                    schemaVersion: schemaVersion)
            }
        } catch {}
        (index, depth) = mark
        failure = nil
        return nil
    }

    static let cartLineFields = FieldNames([
        "lineId", "productId", "variantId", "quantity", "unitPrice", "collectionIds", "tags", "productType", "vendor",
    ])

    /// `lines`: the first line that fails fails the array, under its index. Each line is
    /// read straight into the array (a line passed back as an optional is copied, field by
    /// field, twice).
    mutating func readCartLines() throws(WireFailure) -> [CartLine]? {
        let next = try skipWhitespace()
        guard next == .openBracket else {
            fail(next == .n ? .null(.array) : .typeMismatch(.array))
            return nil
        }
        var lines: [CartLine] = []
        guard try enterArray() else { return lines }
        lines.reserveCapacity(8)  // carts of up to 8 lines without growing
        repeat {
            try readCartLine(appendingTo: &lines)
            if let failure {
                self.failure = failure.under(.index(lines.count))
                return nil
            }
        } while try nextElement()
        return lines
    }

    /// Appends the line unless it fails (then ``failure`` is set).
    mutating func readCartLine(appendingTo lines: inout [CartLine]) throws(WireFailure) {
        guard try expectObject() else { return }
        if readCompactCartLine(appendingTo: &lines) { return }
        var lineId: String?, productId: String?, variantId: String?, quantity: Int?, unitPrice: DecimalAmount?
        var collectionIds: [String]?, tags: [String]?, productType: String?, vendor: String?
        var failures = FieldFailures()
        var seen: UInt32 = 0
        var hint = 0
        if try enterObject() {
            repeat {
                guard let order = try readFieldKey(in: Self.cartLineFields, hint: &hint, &failures), seen & 1 << order == 0 else {
                    try skipValue()
                    continue
                }
                seen |= 1 << order
                switch order {
                case 0: lineId = try field(0, "lineId", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readString() }
                case 1: productId = try field(1, "productId", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readString() }
                case 2: variantId = try field(2, "variantId", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readString() }
                case 3: quantity = try field(3, "quantity", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readInt() }
                case 4: unitPrice = try field(4, "unitPrice", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readAmount() }
                case 5:
                    collectionIds = try field(5, "collectionIds", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readOptionalStrings() }
                case 6: tags = try field(6, "tags", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readOptionalStrings() }
                case 7:
                    productType = try field(7, "productType", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readOptionalString() }
                default: vendor = try field(8, "vendor", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readOptionalString() }
                }
            } while try nextMember()
        }
        if lineId == nil { failures.noteMissing(0, "lineId") }
        if productId == nil { failures.noteMissing(1, "productId") }
        if variantId == nil { failures.noteMissing(2, "variantId") }
        if quantity == nil { failures.noteMissing(3, "quantity") }
        if unitPrice == nil { failures.noteMissing(4, "unitPrice") }
        if failed(failures) { return }
        // Consumed, not copied: each field is moved into the line.
        lines.append(CartLine(
            lineId: (consume lineId).unsafelyUnwrapped, productId: (consume productId).unsafelyUnwrapped,
            variantId: (consume variantId).unsafelyUnwrapped, quantity: quantity.unsafelyUnwrapped,
            unitPrice: unitPrice.unsafelyUnwrapped, collectionIds: consume collectionIds, tags: consume tags,
            productType: consume productType, vendor: consume vendor))
    }

    /// At a line's `{`: the line, when it is written the way encoders with sorted keys write
    /// it (no whitespace between members, known fields in sorted order, each readable, the
    /// required ones present). Then the full rules (``readCartLine(appendingTo:)``) would read
    /// the same members with the same readers into the same line; they are skipped because
    /// nothing can be wrong. Anything else gives `nil` with the reader back at the `{`, to be
    /// read by the full rules (which find the failure, or the syntax error, themselves).
    /// Returns whether it appended the line.
    mutating func readCompactCartLine(appendingTo lines: inout [CartLine]) -> Bool {
        let mark = (index, depth)
        guard depth < Self.maximumDepth - 1 else { return false }
        var lineId: String?, productId: String?, variantId: String?, quantity: Int?, unitPrice: DecimalAmount?
        var collectionIds: [String]?, tags: [String]?, productType: String?, vendor: String?
        index += 1
        depth += 1
        var from = 0
        do throws(WireFailure) {
            while true {
                guard let (order, slot) = compactHead(in: Self.cartLineFields, from: from) else { break }
                from = slot + 1
                switch order {
                case 0: lineId = try readString()
                case 1: productId = try readString()
                case 2: variantId = try readString()
                case 3: quantity = try readInt()
                case 4: unitPrice = try readAmount()
                case 5: collectionIds = try readOptionalStrings()
                case 6: tags = try readOptionalStrings()
                case 7: productType = try readOptionalString()
                default: vendor = try readOptionalString()
                }
                guard failure == nil, let next = takeByte() else { break }
                if next == .comma { continue }
                guard next == .closeBrace, lineId != nil, productId != nil, variantId != nil, quantity != nil, unitPrice != nil
                else { break }
                depth -= 1
                // Consumed, not copied: each field is moved into the line. (The append still
                // shows an outlined copy and destroy of the line in the profile.)
                let line = CartLine(
                    lineId: (consume lineId).unsafelyUnwrapped, productId: (consume productId).unsafelyUnwrapped,
                    variantId: (consume variantId).unsafelyUnwrapped, quantity: quantity.unsafelyUnwrapped,
                    unitPrice: unitPrice.unsafelyUnwrapped, collectionIds: consume collectionIds, tags: consume tags,
                    productType: consume productType, vendor: consume vendor)
                lines.append(consume line)
                return true
            }
        } catch {}
        (index, depth) = mark
        failure = nil
        return false
    }

    static let customerFields = FieldNames(["id", "tags", "country", "ordersCount"])

    /// `customer`: absent or null is nil; anything but an object fails.
    mutating func readOptionalCustomer() throws(WireFailure) -> Customer? {
        if try skipWhitespace() == .n {
            try expectLiteral("null")
            return nil
        }
        guard try expectObject() else { return nil }
        if let customer = readCompactCustomer() { return customer }
        var id: String?, tags: [String]?, country: String?, ordersCount: Int?
        var failures = FieldFailures()
        var seen: UInt32 = 0
        var hint = 0
        if try enterObject() {
            repeat {
                guard let order = try readFieldKey(in: Self.customerFields, hint: &hint, &failures), seen & 1 << order == 0 else {
                    try skipValue()
                    continue
                }
                seen |= 1 << order
                switch order {
                case 0: id = try field(0, "id", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readOptionalString() }
                case 1: tags = try field(1, "tags", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readOptionalStrings() }
                case 2: country = try field(2, "country", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readOptionalString() }
                default:
                    ordersCount = try field(3, "ordersCount", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readOptionalInt() }
                }
            } while try nextMember()
        }
        if failed(failures) { return nil }
        return Customer(id: id, tags: tags, country: country, ordersCount: ordersCount)
    }

    /// At a customer's `{`: the customer in sorted compact form (see
    /// ``readCompactCartLine(appendingTo:)``), or `nil` with the reader back at the `{`.
    private mutating func readCompactCustomer() -> Customer? {
        let mark = (index, depth)
        guard depth < Self.maximumDepth - 1 else { return nil }
        var id: String?, tags: [String]?, country: String?, ordersCount: Int?
        index += 1
        depth += 1
        var from = 0
        do throws(WireFailure) {
            while true {
                guard let (order, slot) = compactHead(in: Self.customerFields, from: from) else { break }
                from = slot + 1
                switch order {
                case 0: id = try readOptionalString()
                case 1: tags = try readOptionalStrings()
                case 2: country = try readOptionalString()
                default: ordersCount = try readOptionalInt()
                }
                guard failure == nil, let next = takeByte() else { break }
                if next == .comma { continue }
                guard next == .closeBrace else { break }
                depth -= 1
                return Customer(id: id, tags: tags, country: country, ordersCount: ordersCount)
            }
        } catch {}
        (index, depth) = mark
        failure = nil
        return nil
    }

    static let responseFields = FieldNames(["eventId", "cartId", "presentationId", "occurredAt", "schemaVersion"])

    /// The fields of `offer.accepted` and `offer.declined`, which are the same.
    mutating func readResponse() throws(WireFailure) -> (
        eventId: String, cartId: String, presentationId: String, occurredAt: EventTime, schemaVersion: Int?
    )? {
        guard try expectObject() else { return nil }
        var eventId: String?, cartId: String?, presentationId: String?, occurredAt: EventTime?, schemaVersion: Int?
        var failures = FieldFailures()
        var seen: UInt32 = 0
        var hint = 0
        if try enterObject() {
            repeat {
                guard let order = try readFieldKey(in: Self.responseFields, hint: &hint, &failures), seen & 1 << order == 0 else {
                    try skipValue()
                    continue
                }
                seen |= 1 << order
                switch order {
                case 0: eventId = try field(0, "eventId", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readString() }
                case 1: cartId = try field(1, "cartId", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readString() }
                case 2:
                    presentationId = try field(2, "presentationId", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readString() }
                case 3: occurredAt = try field(3, "occurredAt", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readTime() }
                default:
                    schemaVersion = try field(4, "schemaVersion", &failures) { (r: inout WireReader) throws(WireFailure) in try r.readOptionalInt() }
                }
            } while try nextMember()
        }
        if eventId == nil { failures.noteMissing(0, "eventId") }
        if cartId == nil { failures.noteMissing(1, "cartId") }
        if presentationId == nil { failures.noteMissing(2, "presentationId") }
        if occurredAt == nil { failures.noteMissing(3, "occurredAt") }
        if failed(failures) { return nil }
        return (eventId!, cartId!, presentationId!, occurredAt!, schemaVersion)
    }
}
