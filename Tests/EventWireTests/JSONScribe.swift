/// A JSON document as a tree, written out with random but (unless asked otherwise) valid
/// variations: whitespace, key order, `\u` escapes, `\/`, trailing commas. The fuzz uses it
/// to make inputs that the canonical encoder never makes.
indirect enum JSONNode {
    /// Members; a key starting with `§` is written as is after it (`§bad\x`).
    case object([JSONMember])
    case array([JSONNode])
    case string(String)
    /// Written as is: numbers, `true`, `false`, `null`, or scanner-only junk such as `1-2`.
    case literal(String)
    /// A string whose content is written as is, escapes and all (`a\x`, `\uD800`).
    case rawString(String)
}

struct JSONMember {
    var key: String
    var value: JSONNode
}

/// How one document is written.
struct JSONScribe {
    /// 0 for none; otherwise one token boundary in `whitespace` gets a run of whitespace.
    var whitespace = 0
    /// 0 for none; otherwise one character in `escapes` is written as `\uXXXX`.
    var escapes = 0
    var trailingCommas = false
    var escapeSlashes = false

    init() {}

    init(random: inout SplitMix64) {
        whitespace = random.oneIn(3) ? random.pick([1, 3, 10]) : 0
        escapes = random.oneIn(4) ? random.pick([1, 4, 20]) : 0
        trailingCommas = random.oneIn(10)
        escapeSlashes = random.oneIn(4)
    }

    func write(_ node: JSONNode, random: inout SplitMix64) -> [UInt8] {
        var output: [UInt8] = []
        space(&output, &random)
        write(node, into: &output, random: &random)
        space(&output, &random)
        return output
    }

    private static let whitespaceBytes = Array(" \t\n\r".utf8)

    private func space(_ output: inout [UInt8], _ random: inout SplitMix64) {
        guard whitespace > 0, random.oneIn(whitespace) else { return }
        for _ in 0...random.next(3) { output.append(Self.whitespaceBytes[random.next(4)]) }
    }

    private func write(_ node: JSONNode, into output: inout [UInt8], random: inout SplitMix64) {
        switch node {
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            space(&output, &random)
            for (index, member) in members.enumerated() {
                if index > 0 {
                    output.append(UInt8(ascii: ","))
                    space(&output, &random)
                }
                if member.key.hasPrefix("§") {
                    // A key written as is, escapes and all.
                    output.append(UInt8(ascii: "\""))
                    output.append(contentsOf: member.key.dropFirst().utf8)
                    output.append(UInt8(ascii: "\""))
                } else {
                    string(member.key, into: &output, random: &random)
                }
                space(&output, &random)
                output.append(UInt8(ascii: ":"))
                space(&output, &random)
                write(member.value, into: &output, random: &random)
                space(&output, &random)
            }
            if trailingCommas, !members.isEmpty, random.oneIn(2) { output.append(UInt8(ascii: ",")) }
            output.append(UInt8(ascii: "}"))
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            space(&output, &random)
            for (index, element) in elements.enumerated() {
                if index > 0 {
                    output.append(UInt8(ascii: ","))
                    space(&output, &random)
                }
                write(element, into: &output, random: &random)
                space(&output, &random)
            }
            if trailingCommas, !elements.isEmpty, random.oneIn(2) { output.append(UInt8(ascii: ",")) }
            output.append(UInt8(ascii: "]"))
        case .string(let text):
            string(text, into: &output, random: &random)
        case .literal(let text):
            output.append(contentsOf: text.utf8)
        case .rawString(let content):
            output.append(UInt8(ascii: "\""))
            output.append(contentsOf: content.utf8)
            output.append(UInt8(ascii: "\""))
        }
    }

    private func string(_ text: String, into output: inout [UInt8], random: inout SplitMix64) {
        output.append(UInt8(ascii: "\""))
        if escapes == 0 {
            for byte in text.utf8 { escape(byte, into: &output) }
        } else {
            for scalar in text.unicodeScalars {
                if random.oneIn(escapes) {
                    for unit in String(scalar).utf16 { hexEscape(unit, into: &output, upper: random.oneIn(2)) }
                } else if scalar.isASCII {
                    escape(UInt8(scalar.value), into: &output)
                } else {
                    output.append(contentsOf: String(scalar).utf8)
                }
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// A byte of a string's UTF-8, escaped where JSON requires it.
    private func escape(_ byte: UInt8, into output: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
            output.append(UInt8(ascii: "\\"))
            output.append(byte)
        case UInt8(ascii: "/") where escapeSlashes:
            output.append(UInt8(ascii: "\\"))
            output.append(byte)
        case 0x0A:
            output.append(UInt8(ascii: "\\"))
            output.append(UInt8(ascii: "n"))
        case 0x09:
            output.append(UInt8(ascii: "\\"))
            output.append(UInt8(ascii: "t"))
        case 0x0D:
            output.append(UInt8(ascii: "\\"))
            output.append(UInt8(ascii: "r"))
        case 0x08:
            output.append(UInt8(ascii: "\\"))
            output.append(UInt8(ascii: "b"))
        case 0x0C:
            output.append(UInt8(ascii: "\\"))
            output.append(UInt8(ascii: "f"))
        case 0..<0x20:
            hexEscape(UInt16(byte), into: &output, upper: false)
        default:
            output.append(byte)
        }
    }

    private static let lowerHex = Array("0123456789abcdef".utf8)
    private static let upperHex = Array("0123456789ABCDEF".utf8)

    private func hexEscape(_ unit: UInt16, into output: inout [UInt8], upper: Bool) {
        output.append(UInt8(ascii: "\\"))
        output.append(UInt8(ascii: "u"))
        for shift in [12, 8, 4, 0] {
            let digit = Int(unit >> UInt16(shift) & 0xF)
            output.append(upper ? Self.upperHex[digit] : Self.lowerHex[digit])
        }
    }
}
