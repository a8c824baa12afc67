/// Expected outputs of the core flows, written by hand from the README's rules and the
/// offers in ``Fixtures/offers`` — not computed by the worker's `EventProcessor` — so a
/// change of the worker's behaviour cannot move the expectation along with it.
///
/// Values are the exact bytes the worker must write: JSON with sorted keys and no spaces
/// (the documented wire format). Ids follow the documented derivation, computed once outside
/// the worker (SHA-256 over length-prefixed parts, a UUIDv8; a presentation id's first four
/// bytes are a tag of its cart):
/// - `presentationId` = presentation("presentation", cartId, offerId, cart eventId)
/// - `offer.presented` eventId = derive("offer.presented", presentationId)
/// - `cart.mutation` eventId = derive("cart.mutation", presentationId)
/// - `offer.rejected` eventId = derive("offer.rejected", acceptance eventId)
enum HandWrittenOutputs {
    /// Presentation ids, by cart and offer, as the acceptances below quote them.
    enum Presentation {
        static let upsellCartUpgrade = "d9aa26d2-a1ab-8c1f-97dd-d77558fbe225"   // hw-upsell, pro-upgrade, hw-e1
        static let upsellCartBundle = "d9aa26d2-6db3-82ef-b9cc-0b239e9b712c"    // hw-upsell, case-bundle, hw-e1
        static let crossCartUpgrade = "d71df0bb-ebfb-899a-b611-e64b0eed3bd4"    // hw-cross, pro-upgrade, hw-e2
        static let crossCartBundle = "d71df0bb-dd17-8157-a6e0-5414a26e1417"     // hw-cross, case-bundle, hw-e2
        static let lateCartUpgrade = "29ab3426-70f7-8a66-b879-7f034f6a40dd"     // hw-late, pro-upgrade, hw-e3
        static let lateCartBundle = "29ab3426-b275-87d1-94a7-099baa1d4240"      // hw-late, case-bundle, hw-e3
        static let goneCartUpgrade = "537fda6c-8d8c-85fa-98c2-a8af7a192f7b"     // hw-gone, pro-upgrade, hw-e4
        static let goneCartBundle = "537fda6c-d7a9-8cca-ad49-71bea1cd00f0"      // hw-gone, case-bundle, hw-e4
        static let declineCartUpgrade = "31c1630a-e75f-89d8-8827-34225eae0859"  // hw-decline, pro-upgrade, hw-e5
        static let declineCartBundle = "31c1630a-4356-8e76-80aa-c3c9ae11a9c8"   // hw-decline, case-bundle, hw-e5
        static let declineCartUpgradeV2 = "31c1630a-47ca-8122-8776-bacceee14050" // hw-decline, pro-upgrade, hw-e6
    }

    static let upgradeItem = #"{"compareAtPrice":"1099.00","productId":"phone-pro","quantity":1,"unitPrice":"999.00","variantId":"phone-pro-128"}"#
    static let caseItem = #"{"productId":"phone-case","quantity":1,"unitPrice":"29.00","variantId":"phone-case-black"}"#

    /// The five carts' first versions (10:00, a phone line `l1` in `phones`, some with a
    /// cable line): each is shown the upsell (ttl 30 min) and the cross-sell (ttl 10 min),
    /// both triggered by `l1`; the paused offer never.
    static let firstPresentations: [String] = [
        #"{"cartEventId":"hw-e1","cartId":"hw-upsell","cartVersion":1,"eventId":"05f1d8ce-efca-8518-9822-d33d48577892","expiresAt":"2026-11-24T10:30:00Z","items":[\#(upgradeItem)],"occurredAt":"2026-11-24T10:00:00Z","offerId":"pro-upgrade","offerKind":"upsell","offerVersion":1,"presentationId":"d9aa26d2-a1ab-8c1f-97dd-d77558fbe225","triggerLineIds":["l1"]}"#,
        #"{"cartEventId":"hw-e1","cartId":"hw-upsell","cartVersion":1,"eventId":"61964874-2176-836e-bb61-fc09b19c65b9","expiresAt":"2026-11-24T10:10:00Z","items":[\#(caseItem)],"occurredAt":"2026-11-24T10:00:00Z","offerId":"case-bundle","offerKind":"crossSell","offerVersion":1,"presentationId":"d9aa26d2-6db3-82ef-b9cc-0b239e9b712c","triggerLineIds":["l1"]}"#,
        #"{"cartEventId":"hw-e2","cartId":"hw-cross","cartVersion":1,"eventId":"731d3364-f120-8851-a6d9-600358e478ea","expiresAt":"2026-11-24T10:30:00Z","items":[\#(upgradeItem)],"occurredAt":"2026-11-24T10:00:00Z","offerId":"pro-upgrade","offerKind":"upsell","offerVersion":1,"presentationId":"d71df0bb-ebfb-899a-b611-e64b0eed3bd4","triggerLineIds":["l1"]}"#,
        #"{"cartEventId":"hw-e2","cartId":"hw-cross","cartVersion":1,"eventId":"aa0f13ed-27b3-8725-a57a-8f2b75eb4bde","expiresAt":"2026-11-24T10:10:00Z","items":[\#(caseItem)],"occurredAt":"2026-11-24T10:00:00Z","offerId":"case-bundle","offerKind":"crossSell","offerVersion":1,"presentationId":"d71df0bb-dd17-8157-a6e0-5414a26e1417","triggerLineIds":["l1"]}"#,
        #"{"cartEventId":"hw-e3","cartId":"hw-late","cartVersion":1,"eventId":"b1d90df5-d1da-8709-a670-daa7e3cf2d34","expiresAt":"2026-11-24T10:30:00Z","items":[\#(upgradeItem)],"occurredAt":"2026-11-24T10:00:00Z","offerId":"pro-upgrade","offerKind":"upsell","offerVersion":1,"presentationId":"29ab3426-70f7-8a66-b879-7f034f6a40dd","triggerLineIds":["l1"]}"#,
        #"{"cartEventId":"hw-e3","cartId":"hw-late","cartVersion":1,"eventId":"c4ed6547-1556-8fab-9bab-7ceb4ed1494e","expiresAt":"2026-11-24T10:10:00Z","items":[\#(caseItem)],"occurredAt":"2026-11-24T10:00:00Z","offerId":"case-bundle","offerKind":"crossSell","offerVersion":1,"presentationId":"29ab3426-b275-87d1-94a7-099baa1d4240","triggerLineIds":["l1"]}"#,
        #"{"cartEventId":"hw-e4","cartId":"hw-gone","cartVersion":1,"eventId":"83e30b53-b705-8f41-ae6c-8a30917978bd","expiresAt":"2026-11-24T10:30:00Z","items":[\#(upgradeItem)],"occurredAt":"2026-11-24T10:00:00Z","offerId":"pro-upgrade","offerKind":"upsell","offerVersion":1,"presentationId":"537fda6c-8d8c-85fa-98c2-a8af7a192f7b","triggerLineIds":["l1"]}"#,
        #"{"cartEventId":"hw-e4","cartId":"hw-gone","cartVersion":1,"eventId":"f32f6900-4407-8f84-a2c5-5af6f93a0fc3","expiresAt":"2026-11-24T10:10:00Z","items":[\#(caseItem)],"occurredAt":"2026-11-24T10:00:00Z","offerId":"case-bundle","offerKind":"crossSell","offerVersion":1,"presentationId":"537fda6c-d7a9-8cca-ad49-71bea1cd00f0","triggerLineIds":["l1"]}"#,
        #"{"cartEventId":"hw-e5","cartId":"hw-decline","cartVersion":1,"eventId":"1a790d04-261a-808b-8234-8babe3806ea4","expiresAt":"2026-11-24T10:30:00Z","items":[\#(upgradeItem)],"occurredAt":"2026-11-24T10:00:00Z","offerId":"pro-upgrade","offerKind":"upsell","offerVersion":1,"presentationId":"31c1630a-e75f-89d8-8827-34225eae0859","triggerLineIds":["l1"]}"#,
        #"{"cartEventId":"hw-e5","cartId":"hw-decline","cartVersion":1,"eventId":"4bf4e381-4d26-8b92-8272-aca4f086ca37","expiresAt":"2026-11-24T10:10:00Z","items":[\#(caseItem)],"occurredAt":"2026-11-24T10:00:00Z","offerId":"case-bundle","offerKind":"crossSell","offerVersion":1,"presentationId":"31c1630a-4356-8e76-80aa-c3c9ae11a9c8","triggerLineIds":["l1"]}"#,
    ]

    /// After the acceptances and the decline (see ``HandWrittenOutputTests``), by topic.
    static let laterOutputs: [(topic: String, value: String)] = [
        // hw-a1: the upsell accepted at 10:05: remove the trigger line, add the upgrade.
        ("cart.mutation", #"{"acceptanceEventId":"hw-a1","basedOnCartVersion":1,"cartId":"hw-upsell","eventId":"249a17c9-9f88-8be6-89b2-dd8e2c9ed672","occurredAt":"2026-11-24T10:05:00Z","offerId":"pro-upgrade","offerKind":"upsell","operations":[{"lineId":"l1","op":"removeLine"},{"compareAtPrice":"1099.00","op":"addLine","productId":"phone-pro","quantity":1,"unitPrice":"999.00","variantId":"phone-pro-128"}],"presentationId":"d9aa26d2-a1ab-8c1f-97dd-d77558fbe225"}"#),
        // hw-a2, the same acceptance again at 10:06: nothing.
        // hw-a3: the cross-sell accepted at 10:02: add the case.
        ("cart.mutation", #"{"acceptanceEventId":"hw-a3","basedOnCartVersion":1,"cartId":"hw-cross","eventId":"f3d30d38-5421-8cc0-9316-05b1eb2d8a74","occurredAt":"2026-11-24T10:02:00Z","offerId":"case-bundle","offerKind":"crossSell","operations":[{"op":"addLine","productId":"phone-case","quantity":1,"unitPrice":"29.00","variantId":"phone-case-black"}],"presentationId":"d71df0bb-dd17-8157-a6e0-5414a26e1417"}"#),
        // hw-a4: the cross-sell (expired 10:10) accepted at 10:30, within the hour's retention.
        ("offer.rejected", #"{"acceptanceEventId":"hw-a4","cartId":"hw-late","eventId":"526c35dd-6c62-84f6-9ff6-f539c987f46c","occurredAt":"2026-11-24T10:30:00Z","offerId":"case-bundle","presentationId":"29ab3426-b275-87d1-94a7-099baa1d4240","reason":"expired"}"#),
        // hw-a5: hw-cross's upsell under the key hw-intruder: answered on the key's cart.
        ("offer.rejected", #"{"acceptanceEventId":"hw-a5","cartId":"hw-intruder","eventId":"4e7f6878-ce97-8af1-bede-4a55262b1b97","occurredAt":"2026-11-24T10:03:00Z","presentationId":"d71df0bb-ebfb-899a-b611-e64b0eed3bd4","reason":"cartMismatch"}"#),
        // hw-a6: hw-late quoting hw-upsell's presentation (its cart tag is another cart's).
        ("offer.rejected", #"{"acceptanceEventId":"hw-a6","cartId":"hw-late","eventId":"d8605fa6-5fdd-8ccc-923c-7b398b416ffa","occurredAt":"2026-11-24T10:04:00Z","presentationId":"d9aa26d2-a1ab-8c1f-97dd-d77558fbe225","reason":"cartMismatch"}"#),
        // hw-a7: the upsell of hw-gone, whose v2 removed the trigger line: nothing to replace.
        ("offer.rejected", #"{"acceptanceEventId":"hw-a7","cartId":"hw-gone","eventId":"afa5f264-508c-8994-898d-48876b192047","occurredAt":"2026-11-24T10:02:00Z","offerId":"pro-upgrade","presentationId":"537fda6c-8d8c-85fa-98c2-a8af7a192f7b","reason":"cartMismatch"}"#),
        // hw-a8: a presentation never made.
        ("offer.rejected", #"{"acceptanceEventId":"hw-a8","cartId":"hw-cross","eventId":"191f6bbe-6018-8745-b300-2ccbd3c08cac","occurredAt":"2026-11-24T10:04:00Z","presentationId":"no-such-presentation","reason":"unknownPresentation"}"#),
        // hw-decline v2 (10:02, l1 quantity 2, after declining the cross-sell): the upsell
        // again (its trigger changed), the declined cross-sell not.
        ("offer.presented", #"{"cartEventId":"hw-e6","cartId":"hw-decline","cartVersion":2,"eventId":"f622f37e-8114-8c08-8d45-70f01e0949ea","expiresAt":"2026-11-24T10:32:00Z","items":[\#(upgradeItem)],"occurredAt":"2026-11-24T10:02:00Z","offerId":"pro-upgrade","offerKind":"upsell","offerVersion":1,"presentationId":"31c1630a-47ca-8122-8776-bacceee14050","triggerLineIds":["l1"]}"#),
    ]
}
