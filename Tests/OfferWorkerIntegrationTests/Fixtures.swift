import Foundation
import OfferEngine

/// Offers and events for the integration tests, written as the JSON a platform would send.
enum Fixtures {
    static let codec = EventCodec()

    static let offers: [Offer] = [
        offer(#"{"offerId":"pro-upgrade","kind":"upsell","status":"active","priority":10,"ttlSeconds":1800,"currency":"EUR","displayCriteria":{"all":[{"cartContains":{"productIds":["phone-std"],"minQuantity":1}},{"not":{"subtotal":{"gte":"5000.00"}}}]},"items":[{"productId":"phone-pro","variantId":"phone-pro-128","quantity":1,"unitPrice":"999.00","compareAtPrice":"1099.00"}]}"#),
        offer(#"{"offerId":"case-bundle","kind":"crossSell","status":"active","priority":5,"ttlSeconds":600,"currency":"EUR","displayCriteria":{"cartContains":{"collectionIds":["phones"]}},"items":[{"productId":"phone-case","variantId":"phone-case-black","quantity":1,"unitPrice":"29.00"}]}"#),
        offer(#"{"offerId":"paused","kind":"crossSell","status":"paused","priority":99,"currency":"EUR","displayCriteria":{"subtotal":{"gte":"0"}},"items":[{"productId":"x","variantId":"x-1","quantity":1,"unitPrice":"1.00"}]}"#),
    ]

    static func offer(_ json: String) -> Offer {
        try! JSONDecoder().decode(Offer.self, from: Data(json.utf8))
    }

    /// The record timestamp of raw test records: the fixtures' event time, as a platform
    /// writes it (the worker refuses events far from their record's timestamp).
    static let recordTimestamp = EventTime(rfc3339: time(0))!.millisecondsSinceEpoch

    static func time(_ minute: Int, second: Int = 0) -> String {
        String(format: "2026-11-24T10:%02d:%02dZ", minute, second)
    }

    /// A cart update; `lines` are (lineId, productId, variantId, quantity, unitPrice, collectionIds).
    static func cart(
        _ cartId: String, version: Int = 1, minute: Int = 0, event: String? = nil,
        lines: [(String, String, String, Int, String, [String])]
    ) -> CartUpdated {
        let lineJSON = lines.map { l in
            #"{"lineId":"\#(l.0)","productId":"\#(l.1)","variantId":"\#(l.2)","quantity":\#(l.3),"unitPrice":"\#(l.4)","collectionIds":[\#(l.5.map { "\"\($0)\"" }.joined(separator: ","))]}"#
        }.joined(separator: ",")
        let json = #"{"eventId":"\#(event ?? "evt-\(cartId)-\(version)")","cartId":"\#(cartId)","version":\#(version),"occurredAt":"\#(time(minute))","currency":"EUR","lines":[\#(lineJSON)]}"#
        return try! codec.decode(CartUpdated.self, from: Array(json.utf8))
    }

    static let phoneLine = ("l1", "phone-std", "phone-std-64", 1, "799.00", ["phones"])
    static let cableLine = ("l2", "usb-cable", "usb-cable-1m", 2, "9.50", [String]())
    static let caseLine = ("l3", "phone-case", "phone-case-black", 1, "29.00", [String]())

    static func accept(_ presentationId: String, cart: String, minute: Int, event: String) -> OfferAccepted {
        let json = #"{"eventId":"\#(event)","cartId":"\#(cart)","presentationId":"\#(presentationId)","occurredAt":"\#(time(minute))"}"#
        return try! codec.decode(OfferAccepted.self, from: Array(json.utf8))
    }
}
