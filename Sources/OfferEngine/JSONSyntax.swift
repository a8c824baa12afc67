import Foundation

/// Where a catalog document stops being JSON, by line and column, so a merchant editing a
/// large file by hand can go straight to the mistake
/// (`line 14, column 5: not valid JSON: expected ',' or '}' after a member, found '"'`).
///
/// A strict RFC 8259 reader: it also refuses what Foundation lets through but other JSON
/// tools (and the JSON Schema checks) do not, such as a trailing comma.
enum JSONSyntax {
    /// The first syntax error of `data`, as a problem; `nil` when it is JSON.
    static func problem(in data: Data) -> String? {
        var reader = Reader(bytes: [UInt8](data))
        if reader.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.index = 3 }  // a UTF-8 byte order mark
        do throws(SyntaxError) {
            reader.skipWhitespace()
            try reader.value(depth: 0)
            reader.skipWhitespace()
            if reader.index < reader.bytes.count { throw reader.failure("expected the end of the document") }
            return nil
        } catch {
            let (line, column) = position(of: error.offset, in: reader.bytes)
            return "line \(line), column \(column): not valid JSON: \(error.message)"
        }
    }

    /// The problem for a document Foundation could not read: the position when this reader
    /// finds it, Foundation's own reason otherwise.
    static func problem(in data: Data, error: any Error) -> String {
        problem(in: data) ?? "not valid JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? error)"
    }

    /// 1-based line and column (in characters) of a byte offset.
    static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        let before = bytes[..<min(offset, bytes.count)]
        let line = before.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        let column = String(decoding: bytes[lineStart..<min(offset, bytes.count)], as: UTF8.self).unicodeScalars.count + 1
        return (line, column)
    }

    struct SyntaxError: Error {
        let offset: Int
        let message: String
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0
        static let maximumDepth = 512

        func failure(_ expected: String) -> SyntaxError {
            SyntaxError(offset: index, message: "\(expected), found \(found)")
        }

        private var found: String {
            guard index < bytes.count else { return "the end of the document" }
            let scalar = String(decoding: bytes[index..<min(index + 4, bytes.count)], as: UTF8.self).unicodeScalars.first
            guard let scalar, scalar.value >= 0x20 else { return "a control character" }
            return "'\(scalar)'"
        }

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value(depth: Int) throws(SyntaxError) {
            guard depth < Self.maximumDepth else { throw SyntaxError(offset: index, message: "nested more than \(Self.maximumDepth) levels deep") }
            guard index < bytes.count else { throw failure("expected a value") }
            switch bytes[index] {
            case UInt8(ascii: "{"): try object(depth: depth)
            case UInt8(ascii: "["): try array(depth: depth)
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: throw failure("expected a value")
            }
        }

        private mutating func object(depth: Int) throws(SyntaxError) {
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return }
            while true {
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a member name in double quotes") }
                try string()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':' after a member name") }
                index += 1
                skipWhitespace()
                try value(depth: depth + 1)
                skipWhitespace()
                guard index < bytes.count else { throw failure("expected ',' or '}' after a member") }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return }
                guard bytes[index] == UInt8(ascii: ",") else { throw failure("expected ',' or '}' after a member") }
                index += 1
                skipWhitespace()
            }
        }

        private mutating func array(depth: Int) throws(SyntaxError) {
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return }
            while true {
                try value(depth: depth + 1)
                skipWhitespace()
                guard index < bytes.count else { throw failure("expected ',' or ']' after an element") }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return }
                guard bytes[index] == UInt8(ascii: ",") else { throw failure("expected ',' or ']' after an element") }
                index += 1
                skipWhitespace()
            }
        }

        private mutating func string() throws(SyntaxError) {
            index += 1
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index += 1
                    return
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { throw failure("expected an escape sequence") }
                    if bytes[index] == UInt8(ascii: "u") {
                        for _ in 0..<4 {
                            index += 1
                            guard index < bytes.count, Self.isHexDigit(bytes[index]) else { throw failure("expected 4 hex digits after \\u") }
                        }
                    } else if !Array(#""\/bfnrt"#.utf8).contains(bytes[index]) {
                        throw failure(#"expected an escape sequence (\", \\, \/, \b, \f, \n, \r, \t or \uXXXX)"#)
                    }
                    index += 1
                case 0..<0x20:
                    throw failure("expected the closing '\"' of a string (a line break inside a string is written \\n)")
                default:
                    index += 1
                }
            }
            throw failure("expected the closing '\"' of a string")
        }

        private mutating func number() throws(SyntaxError) {
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, Self.isDigit(bytes[index]) else { throw failure("expected a digit") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard index < bytes.count, Self.isDigit(bytes[index]) else { throw failure("expected a digit after the decimal point") }
                while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard index < bytes.count, Self.isDigit(bytes[index]) else { throw failure("expected a digit in the exponent") }
                while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            }
        }

        private mutating func literal(_ word: String) throws(SyntaxError) {
            for byte in word.utf8 {
                guard index < bytes.count, bytes[index] == byte else { throw failure("expected '\(word)'") }
                index += 1
            }
        }

        private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        private static func isHexDigit(_ byte: UInt8) -> Bool {
            isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
        }
    }
}
