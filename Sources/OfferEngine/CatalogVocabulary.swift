/// The values a catalog's `cartContains` selectors name, each numbered
/// (per field, from 0) once per catalog.
///
/// A cart event looks each of its lines' values up once (``codes(of:)``); every offer then
/// compares small integers instead of strings. A line value the vocabulary does not hold is
/// named by no selector, so it matches none. Lookups answer as `Dictionary<String, _>` does,
/// which compares as `String ==` does (canonical equivalence), so coded answers are the
/// string answers (``VocabularyTable`` says when it compares bytes instead).
///
/// A class, so a cart's codes can tell (by identity) which vocabulary they were made with.
final class CatalogVocabulary: Sendable {
    let products: [String: Int32]
    let variants: [String: Int32]
    let collections: [String: Int32]
    let tags: [String: Int32]
    let productTypes: [String: Int32]
    let vendors: [String: Int32]
    /// The same codes, for looking a cart's values up (``VocabularyTable/code(_:)`` answers
    /// as the dictionary does, mostly without hashing a `String`).
    let productTable: VocabularyTable
    let variantTable: VocabularyTable
    let collectionTable: VocabularyTable
    let tagTable: VocabularyTable
    let productTypeTable: VocabularyTable
    let vendorTable: VocabularyTable

    /// The values of every `cartContains` anywhere in `criteria` (under `not` and `any`
    /// too).
    init(criteria: [DisplayCriteria]) {
        var builder = Builder()
        for criterion in criteria { builder.add(criterion) }
        products = builder.products
        variants = builder.variants
        collections = builder.collections
        tags = builder.tags
        productTypes = builder.productTypes
        vendors = builder.vendors
        productTable = VocabularyTable(products)
        variantTable = VocabularyTable(variants)
        collectionTable = VocabularyTable(collections)
        tagTable = VocabularyTable(tags)
        productTypeTable = VocabularyTable(productTypes)
        vendorTable = VocabularyTable(vendors)
    }

    convenience init(offers: [Offer]) {
        self.init(criteria: offers.map(\.displayCriteria))
    }

    private struct Builder {
        var products: [String: Int32] = [:]
        var variants: [String: Int32] = [:]
        var collections: [String: Int32] = [:]
        var tags: [String: Int32] = [:]
        var productTypes: [String: Int32] = [:]
        var vendors: [String: Int32] = [:]

        mutating func add(_ criteria: DisplayCriteria) {
            switch criteria {
            case .all(let conditions), .any(let conditions):
                for condition in conditions { add(condition) }
            case .not(let condition):
                add(condition)
            case .cartContains(let contains):
                for value in contains.productIds ?? [] { Self.number(value, in: &products) }
                for value in contains.variantIds ?? [] { Self.number(value, in: &variants) }
                for value in contains.collectionIds ?? [] { Self.number(value, in: &collections) }
                for value in contains.tags ?? [] { Self.number(value, in: &tags) }
                for value in contains.productTypes ?? [] { Self.number(value, in: &productTypes) }
                for value in contains.vendors ?? [] { Self.number(value, in: &vendors) }
            case .subtotal, .itemCount, .lineCount, .currency, .customer, .attribute, .schedule, .excludes:
                break
            }
        }

        static func number(_ value: String, in codes: inout [String: Int32]) {
            if codes[value] == nil { codes[value] = Int32(codes.count) }
        }
    }

    /// The values of one field.
    func codes(of field: IndexKey.Field) -> [String: Int32] {
        switch field {
        case .product: products
        case .variant: variants
        case .collection: collections
        case .tag: tags
        case .productType: productTypes
        case .vendor: vendors
        }
    }

    /// The code of `value` in `field`, `nil` when no selector names it.
    func code(_ field: IndexKey.Field, _ value: String) -> Int32? { codes(of: field)[value] }

    /// The codes of `lines`' values: one dictionary lookup per value of a field some
    /// selector uses; fields no selector uses are not looked up.
    func codes(of lines: [CartLine]) -> CartLineCodes {
        CartLineCodes(lines: lines, vocabulary: self)
    }
}
