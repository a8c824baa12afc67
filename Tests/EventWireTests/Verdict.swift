import OfferEngine
@testable import EventWire

/// What both codecs make of one input, for tests written as JSON text.
enum Verdict {
    static let limits = EventLimits(maxBytes: 4096, maxLines: 3)
    static let reference = EventCodec(limits: limits)
    static let wire = WireCodec(limits: limits)

    /// A usable cart, to be spoilt one field at a time.
    static let cart = #"{"eventId":"e1","cartId":"c1","version":1,"occurredAt":"2026-11-24T10:00:00Z","currency":"EUR","lines":[{"lineId":"l1","productId":"p","variantId":"v","quantity":2,"unitPrice":"9.50"}]}"#
    static let acceptance = #"{"eventId":"a1","cartId":"c1","presentationId":"p1","occurredAt":"2026-11-24T10:05:00Z"}"#

    /// The cart with `text` replaced.
    static func cart(_ text: String, _ replacement: String) -> String {
        precondition(cart.contains(text), "\(text) is not in the cart")
        return cart.replacingOccurrences(of: text, with: replacement)
    }

    /// Both codecs' reasons for refusing a cart (nil: decoded).
    static func cartReasons(_ bytes: [UInt8]) -> (reference: String?, wire: String?) {
        (reason { () throws(EventDecodingError) in _ = try reference.decodeValidated(CartUpdated.self, from: bytes) },
         reason { () throws(EventDecodingError) in _ = try wire.decodeCartUpdated(bytes) })
    }

    static func cartReasons(_ json: String) -> (reference: String?, wire: String?) {
        cartReasons(Array(json.utf8))
    }

    static func acceptanceReasons(_ json: String) -> (reference: String?, wire: String?) {
        let bytes = Array(json.utf8)
        return (reason { () throws(EventDecodingError) in _ = try reference.decodeValidated(OfferAccepted.self, from: bytes) },
                reason { () throws(EventDecodingError) in _ = try wire.decodeOfferAccepted(bytes) })
    }

    static func declineReasons(_ json: String) -> (reference: String?, wire: String?) {
        let bytes = Array(json.utf8)
        return (reason { () throws(EventDecodingError) in _ = try reference.decodeValidated(OfferDeclined.self, from: bytes) },
                reason { () throws(EventDecodingError) in _ = try wire.decodeOfferDeclined(bytes) })
    }

    /// Both codecs' carts (nil: refused).
    static func carts(_ bytes: [UInt8]) -> (reference: CartUpdated?, wire: CartUpdated?) {
        (try? reference.decodeValidated(CartUpdated.self, from: bytes), try? wire.decodeCartUpdated(bytes))
    }

    static func carts(_ json: String) -> (reference: CartUpdated?, wire: CartUpdated?) {
        carts(Array(json.utf8))
    }

    private static func reason(_ body: () throws(EventDecodingError) -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return error.reason
        }
    }
}
