import Foundation

/// Breaks documents: bytes flipped, inserted, deleted, duplicated or cut; values replaced in
/// the JSON tree; number and string tokens swapped for odd ones; other encodings.
struct Mutator {
    static let jsonBytes = Array("{}[]\",:-0123456789.eE\\ntrufalsu \t\r\n/".utf8)

    static func bytes(_ input: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0...random.next(4) {
            guard !bytes.isEmpty else { break }
            let at = random.next(bytes.count)
            switch random.next(7) {
            case 0: bytes[at] ^= UInt8(1 << random.next(8))
            case 1: bytes.insert(random.pick(jsonBytes), at: at)
            case 2: bytes.remove(at: at)
            case 3: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + random.next(16))], at: at)
            case 4: bytes.removeSubrange(at...)
            case 5: bytes[at] = random.pick(jsonBytes)
            default: bytes[at] = UInt8(truncatingIfNeeded: random.next())
            }
        }
        return bytes
    }

    /// Replaces a number, literal or string token with an odd one.
    static func token(_ input: [UInt8], _ generator: inout InputGenerator) -> [UInt8] {
        var starts: [Int] = []
        var inString = false
        var escaped = false
        for (index, byte) in input.enumerated() {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            if byte == UInt8(ascii: "\"") {
                inString = true
                starts.append(index)
            } else if (byte == UInt8(ascii: "-") || (48...57).contains(byte) || byte == UInt8(ascii: "t") || byte == UInt8(ascii: "n")),
                      index > 0, [UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: ",")].contains(input[index - 1]) {
                starts.append(index)
            }
        }
        guard !starts.isEmpty else { return input }
        let start = generator.random.pick(starts)
        // The token's end: its closing quote, or the next delimiter.
        var end = start + 1
        if input[start] == UInt8(ascii: "\"") {
            var escaped = false
            while end < input.count {
                let byte = input[end]
                end += 1
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { break }
            }
        } else {
            while end < input.count, !Array(",]} \n".utf8).contains(input[end]) { end += 1 }
        }
        let replacement: [UInt8]
        switch generator.random.next(4) {
        case 0: replacement = Array(generator.oddInteger().utf8)
        case 1: replacement = JSONScribe().write(generator.oddValue(), random: &generator.random)
        case 2: replacement = Array("\"\(generator.text())\"".utf8)
        default: replacement = Array(generator.random.pick(["null", "[]", "{}", "\"\"", "0", "\"\\u0041\"", "\"\\ud83d\\ude00\"", "1.0"]).utf8)
        }
        var output = input
        output.replaceSubrange(start..<end, with: replacement)
        return output
    }

    /// Replaces, removes or adds a value somewhere in the JSON tree (through JSONSerialization).
    static func structure(_ input: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        guard var tree = try? JSONSerialization.jsonObject(with: Data(input), options: [.fragmentsAllowed]) else { return input }
        for _ in 0...random.next(2) { tree = mutate(tree, depth: 0, &random) }
        return (try? JSONSerialization.data(withJSONObject: tree, options: [.fragmentsAllowed])).map(Array.init) ?? input
    }

    private static func mutate(_ value: Any, depth: Int, _ random: inout SplitMix64) -> Any {
        if var object = value as? [String: Any], !object.isEmpty {
            let keys = object.keys.sorted()
            let key = keys[random.next(keys.count)]
            switch random.next(8) {
            case 0: object.removeValue(forKey: key)
            case 1: object["extra\(random.next(3))"] = randomValue(depth: depth, &random)
            case 2: object[key] = randomValue(depth: depth, &random)
            default: object[key] = mutate(object[key]!, depth: depth + 1, &random)
            }
            return object
        }
        if var array = value as? [Any] {
            switch random.next(6) {
            case 0 where !array.isEmpty: array.remove(at: random.next(array.count))
            case 1 where !array.isEmpty: array.append(array[random.next(array.count)])
            case 2: array.append(randomValue(depth: depth, &random))
            default:
                if !array.isEmpty {
                    let at = random.next(array.count)
                    array[at] = mutate(array[at], depth: depth + 1, &random)
                }
            }
            return array
        }
        return random.oneIn(3) ? value : randomValue(depth: depth, &random)
    }

    private static func randomValue(depth: Int, _ random: inout SplitMix64) -> Any {
        switch random.next(depth > 3 ? 9 : 11) {
        case 0: return NSNull()
        case 1: return random.oneIn(2)
        case 2: return random.pick([0, 1, -1, 2, Int.max, Int.min, 1_000_001, 999_999_999_999])
        case 3: return random.pick([0.5, -0.0, 1e300, 9.5, 1.0, 1e16])
        case 4: return random.pick(["", "0", "-1", "9.50", "1e3", "NaN", "EUR", "eur", "2026-02-30T00:00:00Z", "2026-11-24T10:00:00+14:00"])
        case 5: return String(repeating: "9", count: random.next(40))
        case 6: return "99999999999999999999.999"
        case 7: return String(decoding: random.bytes(count: random.next(8)).map { $0 & 0x7F }, as: UTF8.self)
        case 8: return "\u{0000}é\u{FFFF}🛒"
        case 9: return (0..<random.next(3)).map { _ in randomValue(depth: depth + 1, &random) }
        default: return ["k\(random.next(2))": randomValue(depth: depth + 1, &random)]
        }
    }

    /// The document in another encoding Foundation detects, or with a byte order mark or
    /// NUL bytes.
    static func encoding(_ input: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        switch random.next(7) {
        case 0: return [0xEF, 0xBB, 0xBF] + input
        case 1, 2, 3, 4:
            // UTF-16 (LE, BE) or UTF-32 (LE, BE) of the text, so that it is valid UTF-8 only
            // when the text is ASCII.
            let wide = random.next(4)
            let width = wide < 2 ? 2 : 4
            let bigEndian = wide % 2 == 1
            var output: [UInt8] = []
            output.reserveCapacity(input.count * width)
            for scalar in String(decoding: input, as: UTF8.self).unicodeScalars {
                let units: [UInt32] = width == 2 ? String(scalar).utf16.map(UInt32.init) : [scalar.value]
                for unit in units {
                    for byte in 0..<width {
                        let shift = 8 * (bigEndian ? width - 1 - byte : byte)
                        output.append(UInt8(truncatingIfNeeded: unit >> shift))
                    }
                }
            }
            return output
        case 5:
            var bytes = input
            bytes.insert(0, at: random.next(min(bytes.count + 1, 5)))
            return bytes
        default:
            return random.pick([[0x35, 0x00], [0x00, 0x35], [0x7B, 0x00], [0x20, 0x00, 0x35, 0x00], [0x00, 0x00, 0x00, 0x35], [0xEF, 0xBB, 0xBF]])
        }
    }
}
