/// A cart attribute: exactly one of `equals` (the value is), `in` (the value is one of) or
/// `exists` (the key is present, or with `false` absent).
public struct AttributeCondition: Codable, Sendable, Hashable {
    public var key: String
    public var equals: String?
    public var values: [String]?
    public var exists: Bool?

    public init(key: String, equals: String? = nil, values: [String]? = nil, exists: Bool? = nil) {
        self.key = key
        self.equals = equals
        self.values = values
        self.exists = exists
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case key, equals, values = "in", exists }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(
            key: try container.decode(String.self, forKey: .key),
            equals: try container.decodeIfPresent(String.self, forKey: .equals),
            values: try container.decodeIfPresent([String].self, forKey: .values),
            exists: try container.decodeIfPresent(Bool.self, forKey: .exists))
    }
}
