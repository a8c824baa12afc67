/// A weekly window in a time zone, checked at the cart event's time: on one of `daysOfWeek`
/// (all days when absent) and within `hours` (all day when absent).
public struct ScheduleCondition: Codable, Sendable, Hashable {
    /// An IANA zone such as `Europe/Berlin`.
    public var timeZone: String
    public var daysOfWeek: [Weekday]?
    public var hours: DailyHours?

    public init(timeZone: String, daysOfWeek: [Weekday]? = nil, hours: DailyHours? = nil) {
        self.timeZone = timeZone
        self.daysOfWeek = daysOfWeek
        self.hours = hours
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case timeZone, daysOfWeek, hours }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(
            timeZone: try container.decode(String.self, forKey: .timeZone),
            daysOfWeek: try container.decodeIfPresent([Weekday].self, forKey: .daysOfWeek),
            hours: try container.decodeIfPresent(DailyHours.self, forKey: .hours))
    }
}
