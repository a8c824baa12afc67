import Foundation
@testable import OfferEngine

/// Builders for engine tests, written close to the wire JSON.
enum Build {
    static let codec = EventCodec()

    static func offer(_ json: String) throws -> Offer {
        try codec.decode(Offer.self, from: Array(json.utf8))
    }

    static func criteria(_ json: String) throws -> DisplayCriteria {
        try codec.decode(DisplayCriteria.self, from: Array(json.utf8))
    }

    static func time(_ minute: Int, second: Int = 0) -> EventTime {
        EventTime(rfc3339: String(format: "2026-11-24T10:%02d:%02dZ", minute, second))!
    }

    static func line(
        _ lineId: String, product: String, variant: String? = nil, quantity: Int = 1, price: String = "10.00",
        collections: [String]? = nil, tags: [String]? = nil
    ) -> CartLine {
        CartLine(lineId: lineId, productId: product, variantId: variant ?? "\(product)-v", quantity: quantity,
                 unitPrice: DecimalAmount(price)!, collectionIds: collections, tags: tags)
    }

    static func cart(id cartId: String = "cart-1", version: Int64 = 1, minute: Int = 0, event: String? = nil,
                     currency: String = "EUR", subtotal: String? = nil, _ lines: [CartLine]) -> CartUpdated {
        CartUpdated(eventId: event ?? "\(cartId)-v\(version)", cartId: cartId, version: version, occurredAt: time(minute),
                    currency: currency, lines: lines, subtotal: subtotal.map { DecimalAmount($0)! })
    }

    static func acceptance(_ presentationId: String, cart: String = "cart-1", minute: Int, second: Int = 0, event: String = "acc-1") -> OfferAccepted {
        OfferAccepted(eventId: event, cartId: cart, presentationId: presentationId, occurredAt: time(minute, second: second))
    }

    static let proUpgrade = #"{"offerId":"pro-upgrade","kind":"upsell","status":"active","priority":10,"ttlSeconds":1800,"currency":"EUR","displayCriteria":{"all":[{"cartContains":{"productIds":["phone-std"],"minQuantity":1}},{"not":{"subtotal":{"gte":"5000.00"}}}]},"items":[{"productId":"phone-pro","variantId":"phone-pro-128","quantity":1,"unitPrice":"999.00","compareAtPrice":"1099.00"}]}"#
    static let caseBundle = #"{"offerId":"case-bundle","kind":"crossSell","status":"active","priority":5,"ttlSeconds":600,"currency":"EUR","displayCriteria":{"cartContains":{"collectionIds":["phones"]}},"items":[{"productId":"phone-case","variantId":"phone-case-black","quantity":1,"unitPrice":"29.00"}]}"#
}
