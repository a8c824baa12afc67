/// The shopper: every field given must hold. A guest cart (no customer) has no tags, no
/// country, 0 orders and is not signed in.
public struct CustomerCondition: Codable, Sendable, Hashable {
    public var tags: TagCondition?
    /// ISO 3166-1 alpha-2 codes.
    public var country: ValueList?
    public var ordersCount: CountRange?
    /// `true`: at least one earlier order; `false`: none.
    public var returning: Bool?
    /// `true`: the customer has an id.
    public var signedIn: Bool?

    public init(tags: TagCondition? = nil, country: ValueList? = nil, ordersCount: CountRange? = nil, returning: Bool? = nil, signedIn: Bool? = nil) {
        self.tags = tags
        self.country = country
        self.ordersCount = ordersCount
        self.returning = returning
        self.signedIn = signedIn
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case tags, country, ordersCount, returning, signedIn }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(
            tags: try container.decodeIfPresent(TagCondition.self, forKey: .tags),
            country: try container.decodeIfPresent(ValueList.self, forKey: .country),
            ordersCount: try container.decodeIfPresent(CountRange.self, forKey: .ordersCount),
            returning: try container.decodeIfPresent(Bool.self, forKey: .returning),
            signedIn: try container.decodeIfPresent(Bool.self, forKey: .signedIn))
    }
}
