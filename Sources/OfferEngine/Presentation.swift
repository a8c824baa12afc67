/// An offer shown to a cart, as the engine needs it later: to honour or refuse an
/// acceptance, and not to present the same offer again for unchanged trigger lines.
///
/// The items are stored resolved (quantities and prices as shown), so an acceptance gives
/// what was shown even after the catalog changes. What only the `offer.presented` event
/// carries (cart version and event, offer version, experiment arm) is not kept.
public struct Presentation: Sendable, Hashable {
    /// An offered item as shown: what an acceptance adds.
    public struct Item: Sendable, Hashable {
        public var productId: String
        public var variantId: String
        /// The quantity shown. For a ``matchesTriggerQuantity`` item an acceptance adds the
        /// quantity of the trigger lines it removes instead.
        public var quantity: Int
        public var unitPrice: DecimalAmount
        public var compareAtPrice: DecimalAmount?
        /// The offer gave the item `"quantity": "matchTrigger"`.
        public var matchesTriggerQuantity: Bool

        public init(
            productId: String, variantId: String, quantity: Int, unitPrice: DecimalAmount, compareAtPrice: DecimalAmount? = nil,
            matchesTriggerQuantity: Bool = false
        ) {
            self.productId = productId
            self.variantId = variantId
            self.quantity = quantity
            self.unitPrice = unitPrice
            self.compareAtPrice = compareAtPrice
            self.matchesTriggerQuantity = matchesTriggerQuantity
        }

        /// A resolved item (as in `offer.presented`), remembering whether its definition
        /// matched the trigger quantity.
        public init(_ item: OfferedItem, matchesTriggerQuantity: Bool) {
            self.init(productId: item.productId, variantId: item.variantId, quantity: item.quantity, unitPrice: item.unitPrice,
                      compareAtPrice: item.compareAtPrice, matchesTriggerQuantity: matchesTriggerQuantity)
        }
    }

    public var presentationId: String
    public var offerId: String
    public var offerKind: OfferKind
    /// The lines that matched, in cart order.
    public var triggerLineIds: [String]
    /// A hash of the trigger lines' contents (line, variant, quantity); a cart change that
    /// alters it allows the offer to be presented again. See ``triggerSignature(of:)``.
    public var triggerSignature: UInt64
    public var items: [Item]
    public var presentedAt: EventTime
    public var expiresAt: EventTime
    /// Whether an acceptance already turned this presentation into a mutation.
    public var isAccepted: Bool

    public init(
        presentationId: String, offerId: String, offerKind: OfferKind, triggerLineIds: [String], triggerSignature: UInt64,
        items: [Item], presentedAt: EventTime, expiresAt: EventTime, isAccepted: Bool = false
    ) {
        self.presentationId = presentationId
        self.offerId = offerId
        self.offerKind = offerKind
        self.triggerLineIds = triggerLineIds
        self.triggerSignature = triggerSignature
        self.items = items
        self.presentedAt = presentedAt
        self.expiresAt = expiresAt
        self.isAccepted = isAccepted
    }

    /// The signature of trigger lines: the 64-bit FNV-1a hash of
    /// `lineId US variantId US quantity`, lines separated by RS (the text sessions stored
    /// before it was a hash, so ``triggerSignature(legacy:)`` of that text is the same value).
    /// Deterministic across runs and machines, unlike `Hasher`.
    public static func triggerSignature(of lines: some Sequence<CartLine>) -> UInt64 {
        var signature = TriggerSignature()
        for line in lines { signature.add(line) }
        return signature.value
    }

    /// ``triggerSignature(of:)`` built a line at a time, hashing the quantity's decimal
    /// digits directly instead of formatting it into a string.
    struct TriggerSignature {
        private var hash = FNV1a()
        private var first = true

        mutating func add(_ line: CartLine) {
            if !first { hash.add(0x1E) }
            first = false
            hash.add(line.lineId)
            hash.add(0x1F)
            hash.add(line.variantId)
            hash.add(0x1F)
            hash.add(decimal: line.quantity)
        }

        var value: UInt64 { hash.value }
    }

    /// The signature of a session stored when signatures were text.
    public static func triggerSignature(legacy text: String) -> UInt64 {
        var hash = FNV1a()
        hash.add(text)
        return hash.value
    }
}

/// 64-bit FNV-1a.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    mutating func add(_ text: String) {
        // Through the bytes in place: iterating `utf8` costs several times the hashing.
        let hashed: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
            var value = self.value
            for byte in bytes { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            self.value = value
        }
        if hashed == nil {
            for byte in text.utf8 { add(byte) }
        }
    }

    /// The bytes of `String(number)`: an optional `-`, then the decimal digits.
    mutating func add(decimal number: Int) {
        if number < 0 { add(UInt8(ascii: "-")) }
        let magnitude = number.magnitude
        var divisor: UInt = 1
        while magnitude / divisor >= 10 { divisor *= 10 }
        while divisor > 0 {
            add(UInt8(ascii: "0") + UInt8(magnitude / divisor % 10))
            divisor /= 10
        }
    }
}
