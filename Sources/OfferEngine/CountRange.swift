/// A half-open range of counts: `gte` ≤ count < `lt`; either bound may be absent.
public struct CountRange: Codable, Sendable, Hashable {
    public var gte: Int?
    public var lt: Int?

    public init(gte: Int? = nil, lt: Int? = nil) {
        self.gte = gte
        self.lt = lt
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case gte, lt }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(gte: try container.decodeIfPresent(Int.self, forKey: .gte),
                  lt: try container.decodeIfPresent(Int.self, forKey: .lt))
    }
}
