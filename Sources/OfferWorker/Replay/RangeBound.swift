import OfferEngine

/// One end of a topic range, as `--from` and `--to` give it: `earliest`, `latest`, an
/// offset, or an RFC 3339 time.
///
/// A range is half-open, the same way for every kind of bound: `--from` is the first record
/// taken, `--to` the first record left out. So `--from 10 --to 20` takes offsets 10 to 19 of
/// every partition, and `--from 2026-11-24T10:00:00Z --to 2026-11-24T11:00:00Z` the records
/// of that hour: from the first record whose timestamp is at or after 10:00 (Kafka's
/// offsets-for-times) up to, not including, the first one at or after 11:00. Consecutive
/// ranges therefore neither overlap nor leave a gap.
public enum RangeBound: Sendable, Hashable, CustomStringConvertible {
    /// The partition's first stored offset.
    case earliest
    /// The partition's end (high watermark) when the command starts: records written later
    /// are not read, so the command ends.
    case latest
    /// The same offset in every partition (clamped to what the partition holds).
    case offset(Int64)
    /// The first record whose timestamp is at or after this time.
    case time(EventTime)

    /// Reads `earliest`, `latest`, a whole number (an offset) or an RFC 3339 time; `nil` when
    /// the text is none of these.
    public init?(parsing text: String) {
        switch text {
        case "earliest", "beginning": self = .earliest
        case "latest", "end": self = .latest
        default:
            if let offset = Int64(text), offset >= 0 {
                self = .offset(offset)
            } else if let time = EventTime(rfc3339: text) {
                self = .time(time)
            } else {
                return nil
            }
        }
    }

    public var description: String {
        switch self {
        case .earliest: "earliest"
        case .latest: "latest"
        case .offset(let offset): "offset \(offset)"
        case .time(let time): "\(time)"
        }
    }
}
