/// Offers are decoded strictly: a field the decoder does not know is a mistake, never
/// ignored. A misspelt optional field (`"currancy": "EUR"`, `"endAt": …`) would otherwise
/// be dropped silently and the offer shown more widely than its author meant. Input
/// events, by contrast, stay tolerant of unknown fields (see docs/offers.md).
///
/// The problem names the field and, when it is close to a known one, the likely name:
/// `offers[0].currancy: unknown field (did you mean 'currency'?)`. The command line uses the
/// same rule for its suggestion for an unknown option, so both kinds of typo read alike.
public enum UnknownFields {
    /// The text of the problem for `field` where only `known` are allowed.
    static func problem(_ field: String, known: [String]) -> String {
        if let likely = suggestion(for: field, among: known) {
            return "unknown field (did you mean '\(likely)'?)"
        }
        return "unknown field (expected \(known.joined(separator: ", ")))"
    }

    /// The known name `field` most likely stands for: the same name in another case, or
    /// one within a few edits (a typo, a missing or extra letter, two letters swapped; more
    /// edits are allowed for longer names). `nil` when nothing is that close.
    public static func suggestion(for field: String, among known: [String]) -> String? {
        let typed = Array(field.lowercased().unicodeScalars)
        var best: (name: String, distance: Int)?
        for name in known {
            let candidate = Array(name.lowercased().unicodeScalars)
            let allowed = switch min(typed.count, candidate.count) {
            case ..<5: 1
            case ..<12: 2
            default: 3
            }
            let distance = editDistance(typed, candidate)
            if distance <= allowed, distance < (best?.distance ?? .max) { best = (name, distance) }
        }
        return best?.name
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and
    /// transpositions of neighbours each count 1.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var before = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], before[j - 2] + 1)
                }
            }
            (before, previous, current) = (previous, current, before)
        }
        return previous[b.count]
    }
}

/// Any key of a JSON object.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Decoder {
    /// A keyed container that refuses keys `Keys` does not list, naming the first unknown one
    /// (`all[0].cartContains.productID: unknown field (did you mean 'productIds'?)`).
    func strictContainer<Keys: CodingKey & CaseIterable>(keyedBy type: Keys.Type) throws -> KeyedDecodingContainer<Keys> {
        try refuseUnknownFields(known: Keys.allCases.map(\.stringValue))
        return try container(keyedBy: Keys.self)
    }

    /// Throws for the first (in sorted order) key of this JSON object not in `known`; the
    /// error's coding path ends with that key, so a caller collecting every problem can
    /// remove it and decode again.
    func refuseUnknownFields(known: [String]) throws {
        let keys = try container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue)
        if let unknown = keys.filter({ !known.contains($0) }).sorted().first {
            throw DecodingError.dataCorrupted(.init(
                codingPath: codingPath + [AnyCodingKey(stringValue: unknown)],
                debugDescription: UnknownFields.problem(unknown, known: known)))
        }
    }
}
