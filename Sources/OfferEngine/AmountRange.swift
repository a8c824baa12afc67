/// A half-open range of amounts: `gte` ≤ amount < `lt`; either bound may be absent.
public struct AmountRange: Codable, Sendable, Hashable {
    public var gte: DecimalAmount?
    public var lt: DecimalAmount?

    public init(gte: DecimalAmount? = nil, lt: DecimalAmount? = nil) {
        self.gte = gte
        self.lt = lt
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case gte, lt }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(gte: try container.decodeIfPresent(DecimalAmount.self, forKey: .gte),
                  lt: try container.decodeIfPresent(DecimalAmount.self, forKey: .lt))
    }
}
