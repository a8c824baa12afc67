import OfferEngine

/// The events as `EventCodec.encode` writes them: keys sorted by their UTF-8 bytes, nil
/// optionals left out, and the custom encodings of ``OfferedItem`` (no `unitPrice` when
/// priced per currency; `"quantity":"matchTrigger"`), ``CartOperation`` (an `op` field) and
/// ``PriceRule``.
extension WireWriter {
    static func offerPresented(_ event: OfferPresented, into buffer: inout WireOutput) {
        var first = true
        buffer.append(.openBrace)
        key("cartEventId", first: &first, into: &buffer)
        string(event.cartEventId, into: &buffer)
        key("cartId", first: &first, into: &buffer)
        string(event.cartId, into: &buffer)
        key("cartVersion", first: &first, into: &buffer)
        integer(event.cartVersion, into: &buffer)
        key("eventId", first: &first, into: &buffer)
        string(event.eventId, into: &buffer)
        if let arm = event.experimentArm {
            key("experimentArm", first: &first, into: &buffer)
            string(arm.rawValue, into: &buffer)
        }
        key("expiresAt", first: &first, into: &buffer)
        time(event.expiresAt, into: &buffer)
        key("items", first: &first, into: &buffer)
        buffer.append(.openBracket)
        for (index, item) in event.items.enumerated() {
            if index > 0 { buffer.append(.comma) }
            offeredItem(item, into: &buffer)
        }
        buffer.append(.closeBracket)
        key("occurredAt", first: &first, into: &buffer)
        time(event.occurredAt, into: &buffer)
        key("offerId", first: &first, into: &buffer)
        string(event.offerId, into: &buffer)
        key("offerKind", first: &first, into: &buffer)
        string(event.offerKind.rawValue, into: &buffer)
        if let version = event.offerVersion {
            key("offerVersion", first: &first, into: &buffer)
            integer(version, into: &buffer)
        }
        key("presentationId", first: &first, into: &buffer)
        string(event.presentationId, into: &buffer)
        key("triggerLineIds", first: &first, into: &buffer)
        strings(event.triggerLineIds, into: &buffer)
        buffer.append(.closeBrace)
    }

    static func offeredItem(_ item: OfferedItem, into buffer: inout WireOutput) {
        var first = true
        buffer.append(.openBrace)
        if item.prices == nil, let compareAtPrice = item.compareAtPrice {
            key("compareAtPrice", first: &first, into: &buffer)
            amount(compareAtPrice, into: &buffer)
        }
        if let prices = item.prices {
            key("prices", first: &first, into: &buffer)
            buffer.append(.openBrace)
            for (index, currency) in sortedKeys(prices).enumerated() {
                if index > 0 { buffer.append(.comma) }
                string(currency, into: &buffer)
                buffer.append(.colon)
                priceRule(prices[currency]!, into: &buffer)
            }
            buffer.append(.closeBrace)
        }
        key("productId", first: &first, into: &buffer)
        string(item.productId, into: &buffer)
        key("quantity", first: &first, into: &buffer)
        if item.matchesTriggerQuantity {
            string(OfferedItem.matchTrigger, into: &buffer)
        } else {
            integer(item.quantity, into: &buffer)
        }
        if item.prices == nil {
            key("unitPrice", first: &first, into: &buffer)
            amount(item.unitPrice, into: &buffer)
        }
        key("variantId", first: &first, into: &buffer)
        string(item.variantId, into: &buffer)
        buffer.append(.closeBrace)
    }

    static func priceRule(_ rule: PriceRule, into buffer: inout WireOutput) {
        var first = true
        buffer.append(.openBrace)
        switch rule {
        case .fixed(let price, let of):
            key("fixed", first: &first, into: &buffer)
            amount(price, into: &buffer)
            if let of {
                key("of", first: &first, into: &buffer)
                amount(of, into: &buffer)
            }
        case .percentOff(let percent, let of):
            key("of", first: &first, into: &buffer)
            amount(of, into: &buffer)
            key("percentOff", first: &first, into: &buffer)
            amount(percent, into: &buffer)
        case .amountOff(let off, let of):
            key("amountOff", first: &first, into: &buffer)
            amount(off, into: &buffer)
            key("of", first: &first, into: &buffer)
            amount(of, into: &buffer)
        }
        buffer.append(.closeBrace)
    }

    static func cartMutation(_ event: CartMutation, into buffer: inout WireOutput) {
        var first = true
        buffer.append(.openBrace)
        key("acceptanceEventId", first: &first, into: &buffer)
        string(event.acceptanceEventId, into: &buffer)
        key("basedOnCartVersion", first: &first, into: &buffer)
        integer(event.basedOnCartVersion, into: &buffer)
        key("cartId", first: &first, into: &buffer)
        string(event.cartId, into: &buffer)
        key("eventId", first: &first, into: &buffer)
        string(event.eventId, into: &buffer)
        key("occurredAt", first: &first, into: &buffer)
        time(event.occurredAt, into: &buffer)
        key("offerId", first: &first, into: &buffer)
        string(event.offerId, into: &buffer)
        key("offerKind", first: &first, into: &buffer)
        string(event.offerKind.rawValue, into: &buffer)
        key("operations", first: &first, into: &buffer)
        buffer.append(.openBracket)
        for (index, operation) in event.operations.enumerated() {
            if index > 0 { buffer.append(.comma) }
            cartOperation(operation, into: &buffer)
        }
        buffer.append(.closeBracket)
        key("presentationId", first: &first, into: &buffer)
        string(event.presentationId, into: &buffer)
        buffer.append(.closeBrace)
    }

    static func cartOperation(_ operation: CartOperation, into buffer: inout WireOutput) {
        var first = true
        buffer.append(.openBrace)
        switch operation {
        case .removeLine(let lineId):
            key("lineId", first: &first, into: &buffer)
            string(lineId, into: &buffer)
            key("op", first: &first, into: &buffer)
            raw("\"removeLine\"", into: &buffer)
        case .addLine(let productId, let variantId, let quantity, let unitPrice, let compareAtPrice):
            if let compareAtPrice {
                key("compareAtPrice", first: &first, into: &buffer)
                amount(compareAtPrice, into: &buffer)
            }
            key("op", first: &first, into: &buffer)
            raw("\"addLine\"", into: &buffer)
            key("productId", first: &first, into: &buffer)
            string(productId, into: &buffer)
            key("quantity", first: &first, into: &buffer)
            integer(quantity, into: &buffer)
            key("unitPrice", first: &first, into: &buffer)
            amount(unitPrice, into: &buffer)
            key("variantId", first: &first, into: &buffer)
            string(variantId, into: &buffer)
        }
        buffer.append(.closeBrace)
    }

    static func offerRejected(_ event: OfferRejected, into buffer: inout WireOutput) {
        var first = true
        buffer.append(.openBrace)
        key("acceptanceEventId", first: &first, into: &buffer)
        string(event.acceptanceEventId, into: &buffer)
        key("cartId", first: &first, into: &buffer)
        string(event.cartId, into: &buffer)
        key("eventId", first: &first, into: &buffer)
        string(event.eventId, into: &buffer)
        key("occurredAt", first: &first, into: &buffer)
        time(event.occurredAt, into: &buffer)
        if let offerId = event.offerId {
            key("offerId", first: &first, into: &buffer)
            string(offerId, into: &buffer)
        }
        key("presentationId", first: &first, into: &buffer)
        string(event.presentationId, into: &buffer)
        key("reason", first: &first, into: &buffer)
        string(event.reason.rawValue, into: &buffer)
        buffer.append(.closeBrace)
    }

    static func cartUpdated(_ event: CartUpdated, into buffer: inout WireOutput) {
        var first = true
        buffer.append(.openBrace)
        if let attributes = event.attributes {
            key("attributes", first: &first, into: &buffer)
            buffer.append(.openBrace)
            for (index, name) in sortedKeys(attributes).enumerated() {
                if index > 0 { buffer.append(.comma) }
                string(name, into: &buffer)
                buffer.append(.colon)
                string(attributes[name]!, into: &buffer)
            }
            buffer.append(.closeBrace)
        }
        key("cartId", first: &first, into: &buffer)
        string(event.cartId, into: &buffer)
        key("currency", first: &first, into: &buffer)
        string(event.currency, into: &buffer)
        if let customer = event.customer {
            key("customer", first: &first, into: &buffer)
            self.customer(customer, into: &buffer)
        }
        key("eventId", first: &first, into: &buffer)
        string(event.eventId, into: &buffer)
        key("lines", first: &first, into: &buffer)
        buffer.append(.openBracket)
        for (index, line) in event.lines.enumerated() {
            if index > 0 { buffer.append(.comma) }
            cartLine(line, into: &buffer)
        }
        buffer.append(.closeBracket)
        key("occurredAt", first: &first, into: &buffer)
        time(event.occurredAt, into: &buffer)
        if let schemaVersion = event.schemaVersion {
            key("schemaVersion", first: &first, into: &buffer)
            integer(schemaVersion, into: &buffer)
        }
        if let subtotal = event.subtotal {
            key("subtotal", first: &first, into: &buffer)
            amount(subtotal, into: &buffer)
        }
        key("version", first: &first, into: &buffer)
        integer(event.version, into: &buffer)
        buffer.append(.closeBrace)
    }

    static func customer(_ customer: Customer, into buffer: inout WireOutput) {
        var first = true
        buffer.append(.openBrace)
        if let country = customer.country {
            key("country", first: &first, into: &buffer)
            string(country, into: &buffer)
        }
        if let id = customer.id {
            key("id", first: &first, into: &buffer)
            string(id, into: &buffer)
        }
        if let ordersCount = customer.ordersCount {
            key("ordersCount", first: &first, into: &buffer)
            integer(ordersCount, into: &buffer)
        }
        if let tags = customer.tags {
            key("tags", first: &first, into: &buffer)
            strings(tags, into: &buffer)
        }
        buffer.append(.closeBrace)
    }

    static func cartLine(_ line: CartLine, into buffer: inout WireOutput) {
        var first = true
        buffer.append(.openBrace)
        if let collectionIds = line.collectionIds {
            key("collectionIds", first: &first, into: &buffer)
            strings(collectionIds, into: &buffer)
        }
        key("lineId", first: &first, into: &buffer)
        string(line.lineId, into: &buffer)
        key("productId", first: &first, into: &buffer)
        string(line.productId, into: &buffer)
        if let productType = line.productType {
            key("productType", first: &first, into: &buffer)
            string(productType, into: &buffer)
        }
        key("quantity", first: &first, into: &buffer)
        integer(line.quantity, into: &buffer)
        if let tags = line.tags {
            key("tags", first: &first, into: &buffer)
            strings(tags, into: &buffer)
        }
        key("unitPrice", first: &first, into: &buffer)
        amount(line.unitPrice, into: &buffer)
        key("variantId", first: &first, into: &buffer)
        string(line.variantId, into: &buffer)
        if let vendor = line.vendor {
            key("vendor", first: &first, into: &buffer)
            string(vendor, into: &buffer)
        }
        buffer.append(.closeBrace)
    }

    /// `offer.accepted` and `offer.declined`, which have the same fields.
    static func response(
        eventId: String, cartId: String, presentationId: String, occurredAt: EventTime, schemaVersion: Int?,
        into buffer: inout WireOutput
    ) {
        var first = true
        buffer.append(.openBrace)
        key("cartId", first: &first, into: &buffer)
        string(cartId, into: &buffer)
        key("eventId", first: &first, into: &buffer)
        string(eventId, into: &buffer)
        key("occurredAt", first: &first, into: &buffer)
        time(occurredAt, into: &buffer)
        key("presentationId", first: &first, into: &buffer)
        string(presentationId, into: &buffer)
        if let schemaVersion {
            key("schemaVersion", first: &first, into: &buffer)
            integer(schemaVersion, into: &buffer)
        }
        buffer.append(.closeBrace)
    }

    static func strings(_ values: [String], into buffer: inout WireOutput) {
        buffer.append(.openBracket)
        for (index, value) in values.enumerated() {
            if index > 0 { buffer.append(.comma) }
            string(value, into: &buffer)
        }
        buffer.append(.closeBracket)
    }

    /// A dictionary's keys in `JSONEncoder`'s `.sortedKeys` order: by UTF-8 bytes.
    private static func sortedKeys<Value>(_ dictionary: [String: Value]) -> [String] {
        dictionary.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
