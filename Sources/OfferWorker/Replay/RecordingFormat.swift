import Foundation
import Kafka

/// The recording format of `offer-worker record` and `replay`: JSON Lines, one Kafka record
/// per line, in a fixed field order so the same records always give the same bytes:
///
/// ```
/// {"topic":"cart.updated","partition":0,"offset":42,"timestamp":1764000000000,"key":"cart-1","value":"{…}","headers":[["ce_id","…"]]}
/// ```
///
/// A key, value or header value is a JSON string when it is valid UTF-8, so a recording of
/// JSON events stays readable and greppable. Bytes that are not UTF-8 are kept exactly
/// instead: the field is then `keyBase64` / `valueBase64`, and a header is
/// `[name, null, "base64…"]`. A null key or value is `null`, a null header value
/// `[name, null]`. `timestamp` is milliseconds since the epoch (`null` when the record had
/// none).
///
/// A replay's outputs use the same format; their `partition` and `offset` are `null`, because
/// the producer's partitioner (by key) and the broker would choose them.
///
/// Reading is strict about the fields (an unknown or doubled field is refused with its line
/// number, since a misspelt `vaule` would otherwise replay as an empty record) and tolerant
/// about spacing and field order, so hand-written or `jq`-edited lines are accepted.
public enum RecordingFormat {
    /// One line: a record read from Kafka, or a replay's output.
    public struct Line: Sendable, Hashable {
        public var topic: String
        /// `nil` for a replay's output (the partitioner picks it from the key).
        public var partition: Int32?
        /// `nil` for a replay's output.
        public var offset: Int64?
        /// Milliseconds since the epoch.
        public var timestamp: Int64?
        public var key: [UInt8]?
        public var value: [UInt8]?
        public var headers: [KafkaHeader]

        public init(
            topic: String, partition: Int32?, offset: Int64?, timestamp: Int64?, key: [UInt8]?, value: [UInt8]?,
            headers: [KafkaHeader] = []
        ) {
            self.topic = topic
            self.partition = partition
            self.offset = offset
            self.timestamp = timestamp
            self.key = key
            self.value = value
            self.headers = headers
        }

        /// A record as read from Kafka.
        public init(_ record: ConsumerRecord) {
            self.init(topic: record.topic, partition: record.partition, offset: record.offset, timestamp: record.timestamp,
                      key: record.key, value: record.value, headers: record.headers)
        }

        /// A record as the worker would produce it.
        public init(_ record: ProducerRecord) {
            self.init(topic: record.topic, partition: record.partition, offset: nil, timestamp: record.timestamp,
                      key: record.key, value: record.value, headers: record.headers)
        }

        /// The record to replay; a recorded input needs its partition and offset (the worker
        /// keeps state by partition, and dead letters name the offset).
        public func consumerRecord(lineNumber: Int) throws(LineError) -> ConsumerRecord {
            guard let partition, let offset else {
                throw LineError(line: lineNumber, reason: "a recorded input needs \"partition\" and \"offset\"")
            }
            return ConsumerRecord(topic: topic, partition: partition, offset: offset, key: key, value: value, headers: headers, timestamp: timestamp)
        }
    }

    /// A line that is not in the recording format, with its 1-based number.
    public struct LineError: Error, Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var reason: String

        public init(line: Int, reason: String) {
            self.line = line
            self.reason = reason
        }

        public var description: String { "line \(line): \(reason)" }
    }

    // MARK: Writing

    /// The line's bytes, with its newline.
    public static func encode(_ line: Line) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128 + (line.value?.count ?? 0) + (line.key?.count ?? 0))
        encode(line, into: &bytes)
        return bytes
    }

    /// Appends the line's bytes, with its newline, to `bytes`.
    public static func encode(_ line: Line, into bytes: inout [UInt8]) {
        bytes.append(contentsOf: #"{"topic":"#.utf8)
        appendString(line.topic.utf8, to: &bytes)
        bytes.append(contentsOf: #","partition":"#.utf8)
        appendNumber(line.partition.map(Int64.init), to: &bytes)
        bytes.append(contentsOf: #","offset":"#.utf8)
        appendNumber(line.offset, to: &bytes)
        bytes.append(contentsOf: #","timestamp":"#.utf8)
        appendNumber(line.timestamp, to: &bytes)
        appendBytesField("key", line.key, to: &bytes)
        appendBytesField("value", line.value, to: &bytes)
        bytes.append(contentsOf: #","headers":["#.utf8)
        for (index, header) in line.headers.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "["))
            appendString(header.name.utf8, to: &bytes)
            if let value = header.value {
                if isUTF8(value) {
                    bytes.append(UInt8(ascii: ","))
                    appendString(value, to: &bytes)
                } else {
                    bytes.append(contentsOf: #",null,""#.utf8)
                    bytes.append(contentsOf: Data(value).base64EncodedString().utf8)
                    bytes.append(UInt8(ascii: "\""))
                }
            } else {
                bytes.append(contentsOf: ",null".utf8)
            }
            bytes.append(UInt8(ascii: "]"))
        }
        bytes.append(contentsOf: "]}\n".utf8)
    }

    private static func appendBytesField(_ name: String, _ value: [UInt8]?, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: #",""#.utf8)
        bytes.append(contentsOf: name.utf8)
        guard let value else {
            bytes.append(contentsOf: #"":null"#.utf8)
            return
        }
        if isUTF8(value) {
            bytes.append(contentsOf: #"":"#.utf8)
            appendString(value, to: &bytes)
        } else {
            bytes.append(contentsOf: #"Base64":""#.utf8)
            bytes.append(contentsOf: Data(value).base64EncodedString().utf8)
            bytes.append(UInt8(ascii: "\""))
        }
    }

    private static func isUTF8(_ bytes: [UInt8]) -> Bool {
        // ASCII, the common case, needs no validation.
        if !bytes.contains(where: { $0 >= 0x80 }) { return true }
        return String(validating: bytes, as: UTF8.self) != nil
    }

    private static func appendNumber(_ number: Int64?, to bytes: inout [UInt8]) {
        guard let number else { return bytes.append(contentsOf: "null".utf8) }
        bytes.append(contentsOf: String(number).utf8)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A JSON string: `"` and `\` escaped, control characters as `\n`, `\t`… or `\u00XX`;
    /// everything else (UTF-8 included) as is.
    private static func appendString(_ string: some Collection<UInt8>, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in string {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                          hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    // MARK: Reading

    /// Reads one line (without its newline; a trailing `\r` is allowed).
    public static func decode(_ line: some Collection<UInt8>, lineNumber: Int) throws(LineError) -> Line {
        let bytes = Array(line)
        return try bytes.withUnsafeBufferPointer { buffer throws(LineError) in try decode(buffer, lineNumber: lineNumber) }
    }

    /// Reads one line from a buffer (without its newline), without copying it first.
    public static func decode(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int) throws(LineError) -> Line {
        var parser = LineParser(bytes: line, lineNumber: lineNumber)
        return try parser.line()
    }
}

/// A strict reader of one recording line: an object of known fields.
private struct LineParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let lineNumber: Int
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>, lineNumber: Int) {
        self.bytes = bytes
        self.lineNumber = lineNumber
    }

    private enum Field: String, CaseIterable {
        case topic, partition, offset, timestamp, key, keyBase64, value, valueBase64, headers
    }

    mutating func line() throws(RecordingFormat.LineError) -> RecordingFormat.Line {
        var seen = Set<Field>()
        var topic: String?
        var partition: Int32?
        var offset: Int64?
        var timestamp: Int64?
        var key: [UInt8]?
        var value: [UInt8]?
        var headers: [KafkaHeader] = []
        skipWhitespace()
        try expect(UInt8(ascii: "{"), "expected '{' at the start of a record")
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                let name = String(decoding: try string(), as: UTF8.self)
                guard let field = Field(rawValue: name) else {
                    throw failure("unknown field '\(name)' (expected \(Field.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                guard seen.insert(field).inserted else { throw failure("field '\(name)' given twice") }
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "expected ':' after \"\(name)\"")
                skipWhitespace()
                switch field {
                case .topic: topic = String(decoding: try string(), as: UTF8.self)
                case .partition:
                    if let number = try nullableInteger(name) {
                        guard let narrowed = Int32(exactly: number), narrowed >= 0 else { throw failure("\"partition\" out of range: \(number)") }
                        partition = narrowed
                    }
                case .offset:
                    offset = try nullableInteger(name)
                    if let offset, offset < 0 { throw failure("\"offset\" must not be negative: \(offset)") }
                case .timestamp: timestamp = try nullableInteger(name)
                case .key: key = try nullableText()
                case .value: value = try nullableText()
                case .keyBase64: key = try base64(name)
                case .valueBase64: value = try base64(name)
                case .headers: headers = try headerList()
                }
                skipWhitespace()
                if peek == UInt8(ascii: ",") { index += 1; continue }
                try expect(UInt8(ascii: "}"), "expected ',' or '}' after a field")
                break
            }
        }
        skipWhitespace()
        if peek == UInt8(ascii: "\r") { index += 1 }
        guard index == bytes.count else { throw failure("unexpected text after the record") }
        if seen.contains(.key) && seen.contains(.keyBase64) { throw failure("give \"key\" or \"keyBase64\", not both") }
        if seen.contains(.value) && seen.contains(.valueBase64) { throw failure("give \"value\" or \"valueBase64\", not both") }
        guard let topic, !topic.isEmpty else { throw failure("missing \"topic\"") }
        return RecordingFormat.Line(topic: topic, partition: partition, offset: offset, timestamp: timestamp, key: key, value: value, headers: headers)
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func failure(_ reason: String) -> RecordingFormat.LineError {
        RecordingFormat.LineError(line: lineNumber, reason: reason)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
    }

    private mutating func expect(_ byte: UInt8, _ message: String) throws(RecordingFormat.LineError) {
        guard peek == byte else { throw failure(message) }
        index += 1
    }

    private mutating func null() -> Bool {
        guard bytes.count - index >= 4, bytes[index] == UInt8(ascii: "n"), bytes[index + 1] == UInt8(ascii: "u"),
              bytes[index + 2] == UInt8(ascii: "l"), bytes[index + 3] == UInt8(ascii: "l") else { return false }
        index += 4
        return true
    }

    private mutating func nullableInteger(_ name: String) throws(RecordingFormat.LineError) -> Int64? {
        if null() { return nil }
        let negative = peek == UInt8(ascii: "-")
        if negative { index += 1 }
        var number: Int64 = 0
        var digits = 0
        while let byte = peek, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            let (times, overflow1) = number.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw failure("\"\(name)\" is too large") }
            number = sum
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw failure("\"\(name)\" must be a whole number or null") }
        if let byte = peek, byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            throw failure("\"\(name)\" must be a whole number")
        }
        return negative ? -number : number
    }

    private mutating func nullableText() throws(RecordingFormat.LineError) -> [UInt8]? {
        if null() { return nil }
        return try string()
    }

    private mutating func base64(_ name: String) throws(RecordingFormat.LineError) -> [UInt8] {
        let text = try string()
        guard let data = Data(base64Encoded: Data(text)) else { throw failure("\"\(name)\" is not valid base64") }
        return Array(data)
    }

    private mutating func headerList() throws(RecordingFormat.LineError) -> [KafkaHeader] {
        try expect(UInt8(ascii: "["), "\"headers\" must be an array of [name, value] pairs")
        var headers: [KafkaHeader] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") { index += 1; return headers }
        while true {
            skipWhitespace()
            try expect(UInt8(ascii: "["), "header \(headers.count): expected [name, value] or [name, null, base64]")
            skipWhitespace()
            let name = String(decoding: try string(), as: UTF8.self)
            skipWhitespace()
            try expect(UInt8(ascii: ","), "header '\(name)': expected a value after the name")
            skipWhitespace()
            var value = try nullableText()
            skipWhitespace()
            if peek == UInt8(ascii: ",") {
                guard value == nil else { throw failure("header '\(name)': a third element is only for base64 bytes, after null") }
                index += 1
                skipWhitespace()
                value = try base64("headers['\(name)']")
                skipWhitespace()
            }
            try expect(UInt8(ascii: "]"), "header '\(name)': expected ']'")
            headers.append(KafkaHeader(name: name, value: value))
            skipWhitespace()
            if peek == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "]"), "expected ',' or ']' in \"headers\"")
            return headers
        }
    }

    /// A JSON string's UTF-8 bytes, escapes resolved; refuses bytes that are not UTF-8 (those
    /// belong in a base64 field).
    private mutating func string() throws(RecordingFormat.LineError) -> [UInt8] {
        try expect(UInt8(ascii: "\""), "expected a string in double quotes")
        var result: [UInt8] = []
        var nonASCII = false
        var runStart = index
        while true {
            guard index < bytes.count else { throw failure("a string is not closed") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                index += 1
                break
            }
            if byte < 0x20 { throw failure("a control character in a string must be escaped") }
            if byte >= 0x80 { nonASCII = true }
            guard byte == UInt8(ascii: "\\") else { index += 1; continue }
            result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            index += 1
            guard let escaped = peek else { throw failure("a string is not closed") }
            index += 1
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): result.append(escaped)
            case UInt8(ascii: "n"): result.append(0x0A)
            case UInt8(ascii: "r"): result.append(0x0D)
            case UInt8(ascii: "t"): result.append(0x09)
            case UInt8(ascii: "b"): result.append(0x08)
            case UInt8(ascii: "f"): result.append(0x0C)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw failure("an unpaired surrogate escape in a string")
                    }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw failure("an unpaired surrogate escape in a string") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw failure("an unpaired surrogate escape in a string")
                }
                result.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
            default:
                throw failure("unknown escape '\\\(Character(Unicode.Scalar(escaped)))' in a string")
            }
            runStart = index
        }
        if nonASCII, String(validating: result, as: UTF8.self) == nil {
            throw failure("a string is not valid UTF-8 (bytes that are not UTF-8 go in keyBase64, valueBase64 or a header's base64 element)")
        }
        return result
    }

    private mutating func hex4() throws(RecordingFormat.LineError) -> UInt32 {
        guard bytes.count - index >= 4 else { throw failure("a \\u escape needs four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw failure("a \\u escape needs four hex digits")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
