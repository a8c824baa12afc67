/// Lines that must not be in the cart: the condition holds when no line has one of the
/// products, variants or tags. Its lines never trigger.
public struct ExcludesCondition: Codable, Sendable, Hashable {
    public var productIds: [String]?
    public var variantIds: [String]?
    public var tags: [String]?

    public init(productIds: [String]? = nil, variantIds: [String]? = nil, tags: [String]? = nil) {
        self.productIds = productIds
        self.variantIds = variantIds
        self.tags = tags
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case productIds, variantIds, tags }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(productIds: try container.decodeIfPresent([String].self, forKey: .productIds),
                  variantIds: try container.decodeIfPresent([String].self, forKey: .variantIds),
                  tags: try container.decodeIfPresent([String].self, forKey: .tags))
    }
}
