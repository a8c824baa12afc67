import Foundation
import OfferEngine

/// Progress of a long `record` or `replay` on standard error, about once a second: records
/// done and per second, the position (the latest record's partition, offset and time) and,
/// when the size is known, how far along and the time left. Off with `--quiet`.
final class ReplayProgress: @unchecked Sendable {
    private let verb: String
    private let enabled: Bool
    private let start = ContinuousClock.now
    private var lastReport = ContinuousClock.now
    private var lastCount = 0
    /// Records done.
    private(set) var count = 0
    /// Records read but left out (before a `--from` time on a broker that cannot look
    /// offsets up by time): they count towards the total, not as done.
    private var skipped = 0
    /// The total to expect: records (`totalRecords`) or bytes of the input (`totalBytes`).
    var totalRecords: Int64?
    var totalBytes: Int?

    init(verb: String, enabled: Bool) {
        self.verb = verb
        self.enabled = enabled
    }

    /// Counts records read and left out.
    func skip(_ records: Int) {
        skipped += records
    }

    /// Counts records done; `position` and `bytesRead` are asked for only when a line is due.
    func advance(by records: Int = 1, position: @autoclosure () -> String, bytesRead: @autoclosure () -> Int? = nil) {
        count += records
        guard enabled, count & 1023 == 0 || records > 1 else { return }
        let now = ContinuousClock.now
        guard now - lastReport >= .seconds(1) else { return }
        let rate = Double(count - lastCount) / seconds(now - lastReport)
        lastReport = now
        lastCount = count
        var line = "\(verb): \(grouped(count)) records, \(grouped(Int(rate)))/s, at \(position())"
        var fraction: Double?
        if let totalBytes, totalBytes > 0, let read = bytesRead() {
            fraction = Double(read) / Double(totalBytes)
        } else if let totalRecords, totalRecords > 0 {
            fraction = Double(count + skipped) / Double(totalRecords)
        }
        if let fraction, fraction > 0 {
            let elapsed = seconds(now - start)
            let left = max(0, elapsed / min(fraction, 1) - elapsed)
            line += ", \(Int((min(fraction, 1) * 100).rounded(.down)))%, about \(duration(left)) left"
        }
        write(line)
    }

    /// The closing line.
    func finish(detail: String = "") {
        guard enabled else { return }
        let elapsed = seconds(ContinuousClock.now - start)
        let rate = elapsed > 0 ? Int(Double(count) / elapsed) : count
        write("\(verb): \(grouped(count)) records in \(String(format: "%.1f", elapsed)) s (\(grouped(rate))/s)\(detail)")
    }

    /// `cart.updated[3]@1234 (2026-11-24T10:00:00Z)`.
    static func position(topic: String, partition: Int32, offset: Int64?, timestamp: Int64?) -> String {
        let time = timestamp.map { " (\(EventTime(millisecondsSinceEpoch: $0)))" } ?? ""
        return "\(topic)[\(partition)]\(offset.map { "@\($0)" } ?? "")\(time)"
    }

    private func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func duration(_ seconds: Double) -> String {
        seconds < 90 ? "\(Int(seconds.rounded())) s" : seconds < 5400 ? "\(Int((seconds / 60).rounded())) min" : String(format: "%.1f h", seconds / 3600)
    }

    private func grouped(_ number: Int) -> String {
        let digits = String(number.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return (number < 0 ? "-" : "") + result
    }
}
