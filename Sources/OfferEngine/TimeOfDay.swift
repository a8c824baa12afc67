/// A wall-clock time `HH:MM`, from `00:00` to `24:00`.
public struct TimeOfDay: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let minuteOfDay: Int
    static let endOfDay = 24 * 60

    public init?(hour: Int, minute: Int) {
        guard (0...23).contains(hour) && (0...59).contains(minute) || hour == 24 && minute == 0 else { return nil }
        minuteOfDay = hour * 60 + minute
    }

    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        let digits = bytes.map { Int($0) - Int(UInt8(ascii: "0")) }
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":"),
              [0, 1, 3, 4].allSatisfy({ (0...9).contains(digits[$0]) })
        else { return nil }
        self.init(hour: digits[0] * 10 + digits[1], minute: digits[3] * 10 + digits[4])
    }

    public var description: String {
        let hour = minuteOfDay / 60, minute = minuteOfDay % 60
        return "\(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute)"
    }

    public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool { lhs.minuteOfDay < rhs.minuteOfDay }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let time = TimeOfDay(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a time of day HH:MM such as \"09:30\" (got '\(text)')")
        }
        self = time
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
