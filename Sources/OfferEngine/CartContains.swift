/// Matches cart lines. A line matches when it satisfies every selector given (a selector
/// lists alternatives: any of its ids or tags will do); the condition holds when the matched
/// lines' quantities add up to at least `minQuantity` (default 1) and at most `maxQuantity`.
///
/// With `match: all`, every id in `productIds` and in `variantIds` must also be on some
/// matched line: "both A and B are in the cart".
public struct CartContains: Codable, Sendable, Hashable {
    /// Whether one listed product (or variant) is enough, or every one must be in the cart.
    public enum Match: String, Codable, Sendable, Hashable, CaseIterable, StrictlyDecodedEnum {
        case any, all
    }

    public var productIds: [String]?
    public var variantIds: [String]?
    public var collectionIds: [String]?
    public var tags: [String]?
    /// Matches `CartLine.productType`.
    public var productTypes: [String]?
    /// Matches `CartLine.vendor`.
    public var vendors: [String]?
    public var minQuantity: Int?
    public var maxQuantity: Int?
    /// Default `any`.
    public var match: Match?

    public init(
        productIds: [String]? = nil, variantIds: [String]? = nil, collectionIds: [String]? = nil, tags: [String]? = nil,
        minQuantity: Int? = nil, productTypes: [String]? = nil, vendors: [String]? = nil, maxQuantity: Int? = nil,
        match: Match? = nil
    ) {
        self.productIds = productIds
        self.variantIds = variantIds
        self.collectionIds = collectionIds
        self.tags = tags
        self.productTypes = productTypes
        self.vendors = vendors
        self.minQuantity = minQuantity
        self.maxQuantity = maxQuantity
        self.match = match
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case productIds, variantIds, collectionIds, tags, productTypes, vendors, minQuantity, maxQuantity, match
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(
            productIds: try container.decodeIfPresent([String].self, forKey: .productIds),
            variantIds: try container.decodeIfPresent([String].self, forKey: .variantIds),
            collectionIds: try container.decodeIfPresent([String].self, forKey: .collectionIds),
            tags: try container.decodeIfPresent([String].self, forKey: .tags),
            minQuantity: try container.decodeIfPresent(Int.self, forKey: .minQuantity),
            productTypes: try container.decodeIfPresent([String].self, forKey: .productTypes),
            vendors: try container.decodeIfPresent([String].self, forKey: .vendors),
            maxQuantity: try container.decodeIfPresent(Int.self, forKey: .maxQuantity),
            match: try container.decodeIfPresent(Match.self, forKey: .match))
    }
}
