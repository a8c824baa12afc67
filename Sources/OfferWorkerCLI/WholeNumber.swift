import ArgumentParser
import OfferWorker

/// A whole-number option as typed. It is read and range-checked together with every other
/// option once parsing is done, so one run reports every bad number (`--metrics-port 70000`,
/// `--max-batch-size lots`, `--max-offers-per-cart -1`) instead of the first one only, and a
/// negative number is a value to check rather than an unknown option. Declare the option
/// with `parsing: .unconditional` so `-1` is taken as its value.
struct WholeNumber: ExpressibleByArgument, ExpressibleByIntegerLiteral, Sendable {
    /// The text given on the command line (or the default).
    let text: String

    init(argument: String) { text = argument }
    init(integerLiteral value: Int) { text = String(value) }

    var defaultValueDescription: String { text }

    /// The number, or `nil` when the text is not a whole number (problem added).
    func parsed(_ flag: String, _ range: ClosedRange<Int>, into problems: inout [String]) -> Int? {
        guard let value = Int(text) else {
            problems.append("\(flag) must be a whole number between \(range.lowerBound) and \(range.upperBound) (got '\(text)')")
            return nil
        }
        return value
    }

    /// The number when it is a whole number in `range`; otherwise `nil`, with the problem added.
    func value(_ flag: String, in range: ClosedRange<Int>, into problems: inout [String]) -> Int? {
        guard let value = parsed(flag, range, into: &problems) else { return nil }
        if let problem = WorkerConfiguration.rangeProblem(flag, value, range) {
            problems.append(problem)
            return nil
        }
        return value
    }
}
