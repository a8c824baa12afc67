import OfferEngine

/// Quick checks that an event has no problems, so the happy path skips
/// `problems(limits:)`, which builds a path string for every line and a set of line ids.
///
/// Each check is the condition of a rule in `problems(limits:)` (`EventCodec.swift`):
/// when one says "usable" the rules find nothing. When one says "not usable", the codec
/// asks `problems(limits:)` itself, so the reasons are always the engine's own.
enum WireValidation {
    static func isUsable(_ cart: CartUpdated, limits: EventLimits) -> Bool {
        guard isSupported(cart.schemaVersion), isIdentifier(cart.eventId), isIdentifier(cart.cartId), cart.version >= 0,
              isCurrencyCode(cart.currency), cart.lines.count <= limits.maxLines
        else { return false }
        for line in cart.lines {
            guard isIdentifier(line.lineId), isIdentifier(line.productId), isIdentifier(line.variantId), line.quantity >= 1,
                  line.quantity <= CartLine.maximumQuantity, !line.unitPrice.isNegative
            else { return false }
        }
        guard CartLine.idsAreUnique(cart.lines) else { return false }
        if let subtotal = cart.subtotal {
            if subtotal.isNegative { return false }
        } else if cart.linesTotal == nil {
            return false
        }
        if let ordersCount = cart.customer?.ordersCount, ordersCount < 0 { return false }
        return true
    }

    static func isUsable(_ acceptance: OfferAccepted) -> Bool {
        isSupported(acceptance.schemaVersion) && isIdentifier(acceptance.eventId) && isIdentifier(acceptance.cartId)
            && isIdentifier(acceptance.presentationId)
    }

    static func isUsable(_ decline: OfferDeclined) -> Bool {
        isSupported(decline.schemaVersion) && isIdentifier(decline.eventId) && isIdentifier(decline.cartId)
            && isIdentifier(decline.presentationId)
    }

    private static func isSupported(_ version: Int?) -> Bool {
        version == nil || version == supportedSchemaVersion
    }

    private static func isIdentifier(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.count <= 256
    }

    private static func isCurrencyCode(_ value: String) -> Bool {
        value.utf8.count == 3 && value.utf8.allSatisfy { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
    }
}
