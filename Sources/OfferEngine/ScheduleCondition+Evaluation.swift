import Foundation

extension ScheduleCondition {
    /// The local weekday and minute of the day of `time` in the zone; `nil` for an unknown zone.
    public func localTime(of time: EventTime) -> (weekday: Weekday, minute: Int)? {
        guard let zone = TimeZone(identifier: timeZone) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        // Exact for whole seconds; a millisecond's rounding cannot cross a minute boundary.
        let date = Date(timeIntervalSince1970: TimeInterval(time.millisecondsSinceEpoch) / 1000)
        let components = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        guard let weekday = components.weekday.flatMap(Weekday.init(calendarWeekday:)),
              let hour = components.hour, let minute = components.minute
        else { return nil }
        return (weekday, hour * 60 + minute)
    }

    /// Whether `time` falls in the window. In an overnight window (`from` after `to`) the
    /// hours after midnight belong to the day the window opened.
    public func contains(_ time: EventTime) -> Bool {
        guard let local = localTime(of: time) else { return false }
        var weekday = local.weekday
        let minute = local.minute
        if let hours {
            let from = hours.from.minuteOfDay, to = hours.to.minuteOfDay
            if from < to {
                guard from <= minute, minute < to else { return false }
            } else if minute < to {
                weekday = weekday.previous
            } else {
                guard minute >= from else { return false }
            }
        }
        return daysOfWeek.map { $0.contains(weekday) } ?? true
    }
}
