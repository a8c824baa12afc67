import Foundation

extension ScheduleCondition {
    func problems(at path: String) -> [String] {
        var problems: [String] = []
        if TimeZone(identifier: timeZone) == nil {
            problems.append("\(path).timeZone: unknown IANA time zone '\(timeZone)' (such as \"Europe/Berlin\")")
        }
        if daysOfWeek == nil, hours == nil { problems.append("\(path): give daysOfWeek, hours or both") }
        if daysOfWeek?.isEmpty == true { problems.append("\(path).daysOfWeek: must not be empty") }
        if let hours {
            if hours.from.minuteOfDay == TimeOfDay.endOfDay {
                problems.append("\(path).hours.from: must be before 24:00")
            } else if hours.from == hours.to {
                problems.append("\(path).hours: from (\(hours.from)) must differ from to (\(hours.to))")
            }
        }
        return problems
    }
}
