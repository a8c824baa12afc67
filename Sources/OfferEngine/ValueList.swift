/// `{"in": [...]}`: the value is one of a list (exact, case-sensitive).
public struct ValueList: Codable, Sendable, Hashable {
    public var values: [String]

    public init(_ values: [String]) { self.values = values }

    enum CodingKeys: String, CodingKey, CaseIterable { case values = "in" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(try container.decode([String].self, forKey: .values))
    }
}
