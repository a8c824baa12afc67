/// One offer of a catalog with what judging it against a cart event reads, worked out once
/// per catalog instead of once per cart event and offer.
///
/// A class of constants: the engine reads the offer through it without copying the `Offer`
/// value (a copy retains every field, for every offer judged).
final class CompiledOffer: Sendable {
    /// The offer as defined.
    let offer: Offer
    /// Its display criteria, compiled against the catalog's vocabulary.
    let criteria: CompiledCriteria
    /// The offered variants, in item order: whether the cart holds them all is read without
    /// copying the items.
    let itemVariantIds: [String]
    /// No item is priced per currency (`prices`), so every item has a price in every currency.
    let itemsArePricedInEveryCurrency: Bool
    /// ``Offer/resolvedItems(currency:triggerQuantity:)`` when it depends on neither argument
    /// (no item priced per currency, none with `matchTrigger`): the items themselves.
    /// Shared by every presentation of the offer instead of built per presentation.
    let fixedItems: [OfferedItem]?
    /// `fixedItems` as a ``Presentation`` keeps them.
    let fixedPresentationItems: [Presentation.Item]?

    init(_ offer: Offer, vocabulary: CatalogVocabulary) {
        self.offer = offer
        criteria = CompiledCriteria(offer.displayCriteria, vocabulary: vocabulary)
        itemVariantIds = offer.items.map(\.variantId)
        itemsArePricedInEveryCurrency = offer.items.allSatisfy { $0.prices == nil }
        if offer.items.allSatisfy({ $0.prices == nil && !$0.matchesTriggerQuantity }) {
            // What `OfferedItem.resolved` makes of such an item: the same fields, no prices.
            let items = offer.items.map {
                OfferedItem(productId: $0.productId, variantId: $0.variantId, quantity: $0.quantity, unitPrice: $0.unitPrice,
                            compareAtPrice: $0.compareAtPrice)
            }
            fixedItems = items
            fixedPresentationItems = items.map { Presentation.Item($0, matchesTriggerQuantity: false) }
        } else {
            fixedItems = nil
            fixedPresentationItems = nil
        }
    }

    /// Whether every item has a price in `currency`.
    func itemsArePriced(in currency: String) -> Bool {
        itemsArePricedInEveryCurrency || offer.items.allSatisfy { $0.isPriced(in: currency) }
    }

    /// The items as offered to a cart in `currency` whose trigger lines add up to
    /// `triggerQuantity` (``Offer/resolvedItems(currency:triggerQuantity:)``).
    func resolvedItems(currency: String, triggerQuantity: Int) -> [OfferedItem]? {
        fixedItems ?? offer.resolvedItems(currency: currency, triggerQuantity: triggerQuantity)
    }

    /// `items` (this offer's resolved items) as a presentation keeps them.
    func presentationItems(_ items: [OfferedItem]) -> [Presentation.Item] {
        if let fixedPresentationItems { return fixedPresentationItems }
        var result: [Presentation.Item] = []
        result.reserveCapacity(items.count)
        for index in items.indices {
            result.append(Presentation.Item(items[index], matchesTriggerQuantity: offer.items[index].matchesTriggerQuantity))
        }
        return result
    }
}
