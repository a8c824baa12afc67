/// A day of the week, as in `daysOfWeek: ["mon", "tue"]`.
public enum Weekday: String, Codable, Sendable, Hashable, CaseIterable, StrictlyDecodedEnum {
    case mon, tue, wed, thu, fri, sat, sun

    /// From `Calendar`'s numbering, 1 = Sunday … 7 = Saturday.
    init?(calendarWeekday: Int) {
        guard (1...7).contains(calendarWeekday) else { return nil }
        self = Self.allCases[(calendarWeekday + 5) % 7]
    }

    var previous: Weekday { Self.allCases[(Self.allCases.firstIndex(of: self)! + 6) % 7] }
}
