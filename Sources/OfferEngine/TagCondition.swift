/// Tags of the customer: `any` (at least one of), `all` (every one of), `none` (not one of);
/// every list given must hold.
public struct TagCondition: Codable, Sendable, Hashable {
    public var anyOf: [String]?
    public var allOf: [String]?
    public var noneOf: [String]?

    public init(anyOf: [String]? = nil, allOf: [String]? = nil, noneOf: [String]? = nil) {
        self.anyOf = anyOf
        self.allOf = allOf
        self.noneOf = noneOf
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case anyOf = "any", allOf = "all", noneOf = "none"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(anyOf: try container.decodeIfPresent([String].self, forKey: .anyOf),
                  allOf: try container.decodeIfPresent([String].self, forKey: .allOf),
                  noneOf: try container.decodeIfPresent([String].self, forKey: .noneOf))
    }
}
