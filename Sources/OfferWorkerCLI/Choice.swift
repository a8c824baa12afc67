import ArgumentParser

/// A named-value option (`--log-level`, `--log-format`, `--guarantee`) as typed. Like
/// ``WholeNumber`` it is checked together with every other option once parsing is done, so
/// `--log-level loud` is one problem in the list of a run (with the accepted names) instead of
/// a parse error that hides every later mistake.
struct Choice<Value: CaseIterable & RawRepresentable & Sendable>: ExpressibleByArgument, Sendable where Value.RawValue == String {
    /// The text given on the command line (or the default's name).
    let text: String

    init(argument: String) { text = argument }
    init(_ value: Value) { text = value.rawValue }

    var defaultValueDescription: String { text }
    static var allValueStrings: [String] { Value.allCases.map(\.rawValue) }

    /// The value named, or `nil` when the text names none (problem added, with the names).
    func value(_ flag: String, into problems: inout [String]) -> Value? {
        if let value = Value(rawValue: text) { return value }
        problems.append("\(flag) must be one of \(Self.allValueStrings.joined(separator: ", ")) (got '\(text)')")
        return nil
    }

    /// The value named, or `fallback` when the text names none (for code that runs before
    /// the problems are reported, such as setting up logging).
    func value(or fallback: Value) -> Value { Value(rawValue: text) ?? fallback }
}
