/// Local hours of a day: `from` (inclusive) to `to` (exclusive); `to` may be `24:00`, and a
/// `from` after `to` spans midnight.
public struct DailyHours: Codable, Sendable, Hashable {
    public var from: TimeOfDay
    public var to: TimeOfDay

    public init(from: TimeOfDay, to: TimeOfDay) {
        self.from = from
        self.to = to
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case from, to }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(from: try container.decode(TimeOfDay.self, forKey: .from), to: try container.decode(TimeOfDay.self, forKey: .to))
    }
}
