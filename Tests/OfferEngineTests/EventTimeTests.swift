import Testing
@testable import OfferEngine

@Suite("EventTime: RFC 3339 in event time")
struct EventTimeTests {
    @Test("parses UTC, offsets and fractions to the same instant")
    func parsing() throws {
        let utc = try #require(EventTime(rfc3339: "2026-11-24T10:00:00Z"))
        #expect(utc.millisecondsSinceEpoch == 1_795_514_400_000)
        #expect(EventTime(rfc3339: "2026-11-24T11:00:00+01:00") == utc)
        #expect(EventTime(rfc3339: "2026-11-24T05:30:00-04:30") == utc)
        #expect(EventTime(rfc3339: "2026-11-24T10:00:00.250Z")?.millisecondsSinceEpoch == utc.millisecondsSinceEpoch + 250)
        #expect(EventTime(rfc3339: "2026-11-24T10:00:00.123456Z")?.millisecondsSinceEpoch == utc.millisecondsSinceEpoch + 123)
        #expect(EventTime(rfc3339: "1970-01-01T00:00:00Z")?.millisecondsSinceEpoch == 0)
        #expect(EventTime(rfc3339: "2024-02-29T00:00:00Z") != nil)
    }

    @Test("refuses malformed times", arguments: ["", "2026-11-24", "2026-11-24T10:00:00", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
                                               "2026-11-24T24:00:00Z", "2026-11-24T10:00:00.Z", "2026-11-24T10:00:00+0100", "tomorrow"])
    func refuses(text: String) {
        #expect(EventTime(rfc3339: text) == nil)
    }

    @Test("formats in UTC, with milliseconds only when present")
    func formatting() {
        #expect(EventTime(rfc3339: "2026-11-24T11:00:00+01:00")!.description == "2026-11-24T10:00:00Z")
        #expect(EventTime(millisecondsSinceEpoch: 1_795_514_400_007).description == "2026-11-24T10:00:00.007Z")
        #expect(EventTime(millisecondsSinceEpoch: -1).description == "1969-12-31T23:59:59.999Z")
        #expect(EventTime(rfc3339: "2026-11-24T10:00:00Z")!.adding(seconds: 1800).description == "2026-11-24T10:30:00Z")
    }

    @Test("description writes what the digit-by-digit formatting always wrote, on both sides of the epoch")
    func descriptionMatchesReference() {
        func reference(_ time: EventTime) -> String {
            let value = time.millisecondsSinceEpoch
            var days = value / 86_400_000, millisecondOfDay = value % 86_400_000
            if millisecondOfDay < 0 { days -= 1; millisecondOfDay += 86_400_000 }
            let (year, month, day) = EventTime.civil(fromDays: Int(days))
            let secondOfDay = Int(millisecondOfDay / 1000)
            let milliseconds = Int(millisecondOfDay % 1000)
            func pad(_ value: Int, _ width: Int) -> String {
                let text = String(value)
                return String(repeating: "0", count: max(0, width - text.count)) + text
            }
            var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
            if milliseconds != 0 { text += "." + pad(milliseconds, 3) }
            return text + "Z"
        }
        var random = SplitMix64(seed: 99)
        let edges: [Int64] = [0, -1, 1, 999, -86_400_000, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_000, -62_167_219_200_001]
        for milliseconds in edges + (0..<20_000).map({ _ in Int64(bitPattern: random.next()) % 400_000_000_000_000 }) {
            let time = EventTime(millisecondsSinceEpoch: milliseconds)
            #expect(time.description == reference(time), "\(milliseconds)")
        }
    }
}
