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
}
