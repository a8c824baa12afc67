import OfferEngine

/// A cursor over one JSON document that reads it the way Foundation's `JSONDecoder` does,
/// in a single pass and without building a tree.
///
/// Foundation first scans the whole document for its structure, then decodes the fields
/// in the order the type declares them, checking strings and numbers only when a field
/// reads them. The reader does both at once and keeps the same priorities:
/// - a structural error anywhere is fatal (``WireFailure/Kind/syntax``, the only error
///   thrown), whatever else is wrong; the reader finishes the document even after another
///   failure (kept in ``failure``) to find one;
/// - within an object, a malformed key beats any field's failure; otherwise the failure of
///   the first field in declaration order wins (see ``FieldFailures``); skipped values
///   (unknown fields, repeated keys: the first occurrence wins) are only scanned;
/// - the scanner's leniencies are kept: trailing commas, any run of `0-9 . + - e E` as a
///   number and any escape as a string in values nobody reads, and nesting up to 512.
struct WireReader {
    private let base: UnsafePointer<UInt8>
    private let count: Int
    /// The next byte to read.
    var index = 0
    /// Open arrays and objects.
    var depth = 0
    /// The failure of the value just read, when it is not a syntax error. Readers return
    /// nil and leave it here instead of throwing: only syntax errors are thrown, and they
    /// end the whole read. Whoever reads a value checks this, adds its
    /// key or index, and decides (``field(_:_:_:_:)`` notes it and reads on).
    var failure: WireFailure?
    /// Whether short ASCII strings are made by ``SmallASCII`` (read once per document).
    private let smallStrings = SmallASCII.isAvailable
    /// Values read before in other documents, when the codec keeps them (``WireInterner``);
    /// valid while the document is read.
    private let internedArrays: UnsafeMutablePointer<InternSlots<[String]>>?
    private let internedDictionaries: UnsafeMutablePointer<InternSlots<[String: String]>>?

    /// Foundation's nesting limit: a 513th level is not valid JSON.
    static let maximumDepth = 512

    /// `bytes` must not be empty (an empty document is refused before); `interning`, when
    /// given, is the codec's table of values read before.
    init(_ bytes: UnsafeBufferPointer<UInt8>, interning: UnsafeMutablePointer<WireInternTable>? = nil) {
        base = bytes.baseAddress!
        count = bytes.count
        internedArrays = interning?.pointer(to: \.stringArrays)
        internedDictionaries = interning?.pointer(to: \.stringDictionaries)
    }

    // MARK: Bytes

    /// The next byte that is not JSON whitespace, not consumed; the end is a syntax error.
    @inline(__always)
    mutating func skipWhitespace() throws(WireFailure) -> UInt8 {
        while index < count {
            let byte = base[index]
            switch byte {
            case .space, .tab, .newline, .carriageReturn: index += 1
            default: return byte
            }
        }
        throw .syntax
    }

    /// After the top-level value, only whitespace may follow.
    mutating func expectEnd() throws(WireFailure) {
        while index < count {
            switch base[index] {
            case .space, .tab, .newline, .carriageReturn: index += 1
            default: throw .syntax
            }
        }
    }

    /// `true`, `false` or `null`, spelled out exactly.
    mutating func expectLiteral(_ literal: StaticString) throws(WireFailure) {
        let length = literal.utf8CodeUnitCount
        guard count - index >= length else { throw .syntax }
        let start = literal.utf8Start
        for offset in 0..<length where base[index + offset] != start[offset] {
            throw .syntax
        }
        index += length
    }

    // MARK: Scanning (structure only)

    /// Moves past one value, checking only its structure, as Foundation's scanner does.
    mutating func skipValue() throws(WireFailure) {
        switch try skipWhitespace() {
        case .quote:
            _ = try scanString()
        case .openBrace:
            guard try enterObject() else { return }
            repeat {
                _ = try readKey()
                try skipValue()
            } while try nextMember()
        case .openBracket:
            guard try enterArray() else { return }
            repeat {
                try skipValue()
            } while try nextElement()
        case UInt8(ascii: "t"):
            try expectLiteral("true")
        case UInt8(ascii: "f"):
            try expectLiteral("false")
        case UInt8(ascii: "n"):
            try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = scanNumber()
        default:
            throw .syntax
        }
    }

    /// At a `"`: moves past the string. Only an unterminated string, or a `\u` not followed
    /// by four bytes without a quote, is a syntax error; escapes and control characters are
    /// checked when the string is read (``string(_:)``).
    mutating func scanString() throws(WireFailure) -> StringSpan {
        guard index < count, base[index] == .quote else { throw .syntax }
        index += 1
        let start = index
        var simple = true
        while true {
            // Eight bytes at a time while none is a quote, a backslash or a control character.
            while count - index >= 8 {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                let quotes = word ^ 0x2222_2222_2222_2222
                let backslashes = word ^ 0x5C5C_5C5C_5C5C_5C5C
                let special = ((quotes &- 0x0101_0101_0101_0101) & ~quotes
                    | (backslashes &- 0x0101_0101_0101_0101) & ~backslashes
                    | (word &- 0x2020_2020_2020_2020) & ~word) & 0x8080_8080_8080_8080
                guard special == 0 else {
                    // The lowest flagged byte is the first special one (a borrow only
                    // flags bytes above a real match).
                    index += special.trailingZeroBitCount >> 3
                    break
                }
                index += 8
            }
            guard index < count else { throw .syntax }
            let byte = base[index]
            if byte == .quote {
                index += 1
                return StringSpan(start: start, count: index - 1 - start, isSimple: simple)
            }
            index += 1
            if byte == .backslash {
                simple = false
                guard index < count else { throw .syntax }
                let escaped = base[index]
                index += 1
                if escaped == UInt8(ascii: "u") {
                    guard count - index >= 4 else { throw .syntax }
                    for offset in 0..<4 where base[index + offset] == .quote { throw .syntax }
                    index += 4
                }
            } else if byte < 0x20 {
                simple = false
            }
        }
    }

    /// The bytes of `word` that are a quote, a backslash or a control character, flagged by
    /// their top bit. A borrow only flags bytes above a real match, so the lowest flagged
    /// byte is the first special one.
    @inline(__always)
    static func specialBytes(_ word: UInt64) -> UInt64 {
        let quotes = word ^ 0x2222_2222_2222_2222
        let backslashes = word ^ 0x5C5C_5C5C_5C5C_5C5C
        return ((quotes &- 0x0101_0101_0101_0101) & ~quotes
            | (backslashes &- 0x0101_0101_0101_0101) & ~backslashes
            | (word &- 0x2020_2020_2020_2020) & ~word) & 0x8080_8080_8080_8080
    }

    /// At a `"`: a string of at most 15 bytes without escapes or control characters, found
    /// by loading its bytes as two words; moves past it and returns its span and the words
    /// (as ``packed(_:)`` packs them). Anything else (a longer string, an escape, the end of
    /// the document near) is nil, the reader unmoved, for ``scanString()`` to read.
    @inline(__always)
    mutating func scanShortString() -> (span: StringSpan, low: UInt64, high: UInt64)? {
        // The quote and 16 bytes.
        guard count - index >= 17, base[index] == .quote else { return nil }
        let start = index + 1
        let bytes = UnsafeRawPointer(base + start)
        var low = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        let lowSpecial = Self.specialBytes(low)
        let length: Int
        var high: UInt64 = 0
        if lowSpecial != 0 {
            length = lowSpecial.trailingZeroBitCount >> 3
            low &= (1 &<< UInt64(truncatingIfNeeded: 8 * length)) &- 1
        } else {
            high = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            let highSpecial = Self.specialBytes(high)
            guard highSpecial != 0 else { return nil }
            length = 8 + highSpecial.trailingZeroBitCount >> 3
            high &= (1 &<< UInt64(truncatingIfNeeded: 8 * (length - 8))) &- 1
        }
        guard length < 16, base[start + length] == .quote else { return nil }
        index = start + length + 1
        return (StringSpan(start: start, count: length, isSimple: true), low, high)
    }

    /// At a `-` or digit: moves past every following `0-9 . + - e E`.
    mutating func scanNumber() -> UnsafeBufferPointer<UInt8> {
        let start = index
        index += 1
        while index < count {
            switch base[index] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "-"),
                UInt8(ascii: "e"), UInt8(ascii: "E"):
                index += 1
            default:
                return UnsafeBufferPointer(start: base + start, count: index - start)
            }
        }
        return UnsafeBufferPointer(start: base + start, count: index - start)
    }

    // MARK: Containers

    /// At a `{`: enters the object; `false` when it is empty (and already left).
    mutating func enterObject() throws(WireFailure) -> Bool {
        guard depth < Self.maximumDepth else { throw .syntax }
        depth += 1
        index += 1
        if try skipWhitespace() == .closeBrace {
            index += 1
            depth -= 1
            return false
        }
        return true
    }

    /// A member's key and the colon after it.
    mutating func readKey() throws(WireFailure) -> StringSpan {
        let key = try scanString()
        guard try skipWhitespace() == .colon else { throw .syntax }
        index += 1
        return key
    }

    /// After a member's value: whether another member follows (a trailing comma is allowed).
    mutating func nextMember() throws(WireFailure) -> Bool {
        switch try skipWhitespace() {
        case .comma:
            index += 1
            if try skipWhitespace() == .closeBrace {
                index += 1
                depth -= 1
                return false
            }
            return true
        case .closeBrace:
            index += 1
            depth -= 1
            return false
        default:
            throw .syntax
        }
    }

    /// At a `[`: enters the array; `false` when it is empty (and already left).
    mutating func enterArray() throws(WireFailure) -> Bool {
        guard depth < Self.maximumDepth else { throw .syntax }
        depth += 1
        index += 1
        if try skipWhitespace() == .closeBracket {
            index += 1
            depth -= 1
            return false
        }
        return true
    }

    /// After an element: whether another element follows (a trailing comma is allowed).
    mutating func nextElement() throws(WireFailure) -> Bool {
        switch try skipWhitespace() {
        case .comma:
            index += 1
            if try skipWhitespace() == .closeBracket {
                index += 1
                depth -= 1
                return false
            }
            return true
        case .closeBracket:
            index += 1
            depth -= 1
            return false
        default:
            throw .syntax
        }
    }

    // MARK: Strings

    /// The bytes of a string's content, between its quotes.
    struct StringSpan {
        var start: Int
        var count: Int
        /// No backslash and no control character: the bytes are the string.
        var isSimple: Bool
    }

    func bytes(_ span: StringSpan) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + span.start, count: span.count)
    }

    /// The string a span stands for; nil for a control character or a bad escape.
    @inline(__always)
    func string(_ span: StringSpan) -> String? {
        if span.isSimple {
            if span.count <= SmallASCII.capacity, smallStrings {
                let (low, high) = packed(span)
                // The document is valid UTF-8: without a byte ≥ 0x80 the string is ASCII.
                if (low | high) & 0x8080_8080_8080_8080 == 0 {
                    return SmallASCII.string(low: low, high: high, count: span.count)
                }
            }
            return String(decoding: bytes(span), as: UTF8.self)
        }
        return Self.unescape(bytes(span)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The first 16 bytes of a span (at most 16 long), little-endian, zero-padded: whole
    /// words are loaded when the document goes on far enough, which it nearly always does.
    @inline(__always)
    func packed(_ span: StringSpan) -> (UInt64, UInt64) {
        let length = span.count
        if count - span.start >= 16 {
            let start = UnsafeRawPointer(base + span.start)
            var low = UInt64(littleEndian: start.loadUnaligned(as: UInt64.self))
            var high = UInt64(littleEndian: start.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            if length < 8 {
                low &= (1 &<< UInt64(truncatingIfNeeded: 8 * length)) &- 1
                high = 0
            } else if length < 16 {
                high &= (1 &<< UInt64(truncatingIfNeeded: 8 * (length - 8))) &- 1
            }
            return (low, high)
        }
        return FieldNames.pack(bytes(span))
    }

    /// The UTF-8 of a string's content with its escapes resolved, as Foundation resolves
    /// them; `nil` where Foundation throws: an unescaped control character, an unknown
    /// escape, a `\u` without four hex digits, an unpaired or reversed surrogate.
    static func unescape(_ content: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(content.count)
        var index = 0
        let count = content.count
        func hex(at offset: Int) -> UInt16? {
            guard count - offset >= 4 else { return nil }
            var value: UInt16 = 0
            for byte in content[offset..<offset + 4] {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt16(digit)
            }
            return value
        }
        while index < count {
            let byte = content[index]
            if byte < 0x20 { return nil }
            guard byte == .backslash else {
                output.append(byte)
                index += 1
                continue
            }
            index += 1
            guard index < count else { return nil }
            let escaped = content[index]
            index += 1
            switch escaped {
            case .quote: output.append(.quote)
            case .backslash: output.append(.backslash)
            case UInt8(ascii: "/"): output.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                guard let unit = hex(at: index) else { return nil }
                index += 4
                let scalar: Unicode.Scalar
                if UTF16.isLeadSurrogate(unit) {
                    guard count - index >= 2, content[index] == .backslash, content[index + 1] == UInt8(ascii: "u"),
                          let trail = hex(at: index + 2), UTF16.isTrailSurrogate(trail)
                    else { return nil }
                    index += 6
                    scalar = UTF16.decode(UTF16.EncodedScalar([unit, trail]))
                } else {
                    guard let single = Unicode.Scalar(unit) else { return nil }
                    scalar = single
                }
                output.append(contentsOf: UTF8.encode(scalar)!)
            default:
                return nil
            }
        }
        return output
    }

    // MARK: Typed values
    //
    // Each returns nil and sets `failure` when the value cannot be read; the optional ones
    // also return nil for null.

    /// Notes a failure of the value being read.
    @inline(__always)
    mutating func fail(_ kind: WireFailure.Kind) {
        failure = WireFailure(kind: kind)
    }

    /// A `String` field: a string; null or another type fails.
    mutating func readString() throws(WireFailure) -> String? {
        let next = try skipWhitespace()
        guard next == .quote else {
            fail(next == .n ? .null(.string) : .typeMismatch(.string))
            return nil
        }
        if smallStrings, let short = scanShortString() {
            // The document is valid UTF-8: without a byte ≥ 0x80 the string is ASCII.
            if (short.low | short.high) & 0x8080_8080_8080_8080 == 0 {
                return SmallASCII.string(low: short.low, high: short.high, count: short.span.count)
            }
            return String(decoding: bytes(short.span), as: UTF8.self)
        }
        let span = try scanString()
        guard let string = string(span) else {
            fail(.invalidValue)
            return nil
        }
        return string
    }

    /// A `String?` field: absent or null is nil.
    mutating func readOptionalString() throws(WireFailure) -> String? {
        if try skipWhitespace() == .n {
            try expectLiteral("null")
            return nil
        }
        return try readString()
    }

    /// An `Int` or `Int64` field, with Foundation's reading of numbers (``WireInteger``).
    mutating func readInteger() throws(WireFailure) -> Int64? {
        let next = try skipWhitespace()
        switch next {
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            guard let value = WireInteger.parse(scanNumber()) else {
                fail(.invalidValue)
                return nil
            }
            return value
        case .n:
            fail(.null(.integer))
        default:
            fail(.typeMismatch(.integer))
        }
        return nil
    }

    mutating func readInt() throws(WireFailure) -> Int? {
        try readInteger().map { Int($0) }
    }

    mutating func readOptionalInt() throws(WireFailure) -> Int? {
        if try skipWhitespace() == .n {
            try expectLiteral("null")
            return nil
        }
        return try readInt()
    }

    static let notDecimalString = "not a decimal string (amounts are strings such as \"19.99\")"

    /// A ``DecimalAmount``, with the messages of its `init(from:)`: anything but a string
    /// (null too) is "not a decimal string (…)", as is a string Foundation cannot read.
    mutating func readAmount() throws(WireFailure) -> DecimalAmount? {
        guard try skipWhitespace() == .quote else {
            fail(.corrupted(Self.notDecimalString))
            return nil
        }
        let span = try scanString()
        if span.isSimple {
            if let amount = DecimalAmount(utf8: bytes(span)) { return amount }
            fail(.corrupted("not a decimal string: '\(String(decoding: bytes(span), as: UTF8.self))'"))
            return nil
        }
        guard let unescaped = Self.unescape(bytes(span)) else {
            fail(.corrupted(Self.notDecimalString))
            return nil
        }
        if let amount = unescaped.withUnsafeBufferPointer({ DecimalAmount(utf8: $0) }) { return amount }
        fail(.corrupted("not a decimal string: '\(String(decoding: unescaped, as: UTF8.self))'"))
        return nil
    }

    mutating func readOptionalAmount() throws(WireFailure) -> DecimalAmount? {
        if try skipWhitespace() == .n {
            try expectLiteral("null")
            return nil
        }
        return try readAmount()
    }

    static let notEventTime = "not an RFC 3339 date-time (such as \"2026-11-24T10:00:00Z\")"

    /// An ``EventTime``, with the message of its `init(from:)` for anything unusable.
    mutating func readTime() throws(WireFailure) -> EventTime? {
        if try skipWhitespace() == .quote {
            let span = try scanString()
            if span.isSimple {
                if let time = EventTime(rfc3339UTF8: bytes(span)) { return time }
            } else if let unescaped = Self.unescape(bytes(span)),
                      let time = unescaped.withUnsafeBufferPointer({ EventTime(rfc3339UTF8: $0) }) {
                return time
            }
        }
        fail(.corrupted(Self.notEventTime))
        return nil
    }

    /// A `[String]?` field. The first element that fails fails the array, under its index.
    /// The array is made with its first element, so the usual single tag takes one
    /// allocation and no spare room.
    mutating func readOptionalStrings() throws(WireFailure) -> [String]? {
        let next = try skipWhitespace()
        if next == .n {
            try expectLiteral("null")
            return nil
        }
        guard next == .openBracket else {
            fail(.typeMismatch(.array))
            return nil
        }
        return try interned(in: internedArrays) { (reader: inout WireReader) throws(WireFailure) in try reader.readStringArray() }
    }

    /// At a `[`: an array of strings.
    private mutating func readStringArray() throws(WireFailure) -> [String]? {
        guard try enterArray() else { return [] }
        guard let first = try readString() else {
            failure = failure?.under(.index(0))
            return nil
        }
        var strings = [first]
        while try nextElement() {
            guard let string = try readString() else {
                failure = failure?.under(.index(strings.count))
                return nil
            }
            strings.append(string)
        }
        return strings
    }

    /// A `[String: String]?` field such as `attributes`. The first of repeated keys wins
    /// (keys are equal as Swift strings are) and later ones are not read. A malformed key
    /// beats any value's failure; of several failing values, Foundation reports whichever its
    /// hash order reaches first, this reader the first in the document.
    mutating func readOptionalStringDictionary() throws(WireFailure) -> [String: String]? {
        let next = try skipWhitespace()
        if next == .n {
            try expectLiteral("null")
            return nil
        }
        guard next == .openBrace else {
            fail(.typeMismatch(.object))
            return nil
        }
        return try interned(in: internedDictionaries) { (reader: inout WireReader) throws(WireFailure) in
            try reader.readStringDictionary()
        }
    }

    /// At the `[` or `{` of a flat value: the value `slots` keep for the same text, or the one
    /// `read` reads (kept for next time if it reads without failure). A flat value cannot
    /// reach the nesting limit here, so its text alone decides it.
    @inline(__always)
    private mutating func interned<Value>(
        in slots: UnsafeMutablePointer<InternSlots<Value>>?, _ read: (inout WireReader) throws(WireFailure) -> Value?
    ) throws(WireFailure) -> Value? {
        guard let slots, depth < Self.maximumDepth - 1 else { return try read(&self) }
        if let (value, length) = slots.pointee.value(at: base + index, available: count - index) {
            index += length
            return value
        }
        let start = index
        let value = try read(&self)
        if failure == nil, let value { slots.pointee.keep(value, text: UnsafeBufferPointer(start: base + start, count: index - start)) }
        return value
    }

    /// At a `{`: an object of strings.
    private mutating func readStringDictionary() throws(WireFailure) -> [String: String]? {
        guard try enterObject() else { return [:] }
        // Room for the few attributes events carry, as growing from empty would end with.
        var dictionary = [String: String](minimumCapacity: 3)
        var keyFailed = false
        var failures: [WireFailure] = []
        var failedKeys: [String] = []
        repeat {
            guard let key = string(try readKey()) else {
                keyFailed = true
                try skipValue()
                continue
            }
            if dictionary[key] != nil || failedKeys.contains(key) {
                try skipValue()
                continue
            }
            let mark = (index, depth)
            let value = try readString()
            if let failure {
                self.failure = nil
                failures.append(failure.under(.dictionaryKey(key)))
                failedKeys.append(key)
                (index, depth) = mark
                try skipValue()
            } else {
                dictionary[key] = value
            }
        } while try nextMember()
        if keyFailed {
            fail(.invalidValue)
            return nil
        }
        if var first = failures.first {
            first.alternatives = Array(failures.dropFirst())
            failure = first
            return nil
        }
        return dictionary
    }

    // MARK: Objects of known fields

    /// Reads one field's value with `read`. A failure is noted under the field and the
    /// value skipped, so the object's other fields are still read (one of them may be
    /// declared earlier, or the document may be broken further on).
    @inline(__always)
    mutating func field<Value>(
        _ order: Int, _ name: StaticString, _ failures: inout FieldFailures,
        _ read: (inout WireReader) throws(WireFailure) -> Value?
    ) throws(WireFailure) -> Value? {
        let mark = (index, depth)
        let value = try read(&self)
        guard let failure else { return value }
        self.failure = nil
        failures.note(order, failure.under(.field(name)))
        (index, depth) = mark
        try skipValue()
        return nil
    }

    /// A member's key and the colon after it, as the declaration order of the field it
    /// names (see ``fieldOrder(of:in:hint:_:)``).
    @inline(__always)
    mutating func readFieldKey(in names: FieldNames, hint: inout Int, _ failures: inout FieldFailures) throws(WireFailure) -> Int? {
        if let (order, length) = names.expectedHead(at: base + index, available: count - index, hint: &hint) {
            index += length
            return order
        }
        let order: Int?
        if let short = scanShortString() {
            order = names.order(low: short.low, high: short.high, count: short.span.count, hint: &hint)
        } else {
            order = fieldOrder(of: try scanString(), in: names, hint: &hint, &failures)
        }
        guard try skipWhitespace() == .colon else { throw .syntax }
        index += 1
        return order
    }

    /// At a member's key: the declaration order of the field it names among `names`, or
    /// `nil` for an unknown key. A key Foundation cannot read marks the object as failed.
    /// `hint` is where to start looking (see ``FieldNames``); start each object at 0.
    @inline(__always)
    func fieldOrder(of key: StringSpan, in names: FieldNames, hint: inout Int, _ failures: inout FieldFailures) -> Int? {
        if key.isSimple {
            guard key.count <= 16 else { return nil }
            let (low, high) = packed(key)
            return names.order(low: low, high: high, count: key.count, hint: &hint)
        }
        return unescapedFieldOrder(of: key, in: names, hint: &hint, &failures)
    }

    @inline(never)
    private func unescapedFieldOrder(of key: StringSpan, in names: FieldNames, hint: inout Int, _ failures: inout FieldFailures) -> Int? {
        guard let unescaped = Self.unescape(bytes(key)) else {
            failures.keyFailed = true
            return nil
        }
        return unescaped.withUnsafeBufferPointer { names.order(of: $0, hint: &hint) }
    }

    /// At a member's head written compactly (`"name":`) naming a field of `names` at or after
    /// sorted position `from`: moves past it and returns the field's declaration order and
    /// sorted position (see ``FieldNames/head(at:available:from:)``).
    @inline(__always)
    mutating func compactHead(in names: FieldNames, from: Int) -> (order: Int, slot: Int)? {
        guard let (order, length, slot) = names.head(at: base + index, available: count - index, from: from) else { return nil }
        index += length
        return (order, slot)
    }

    /// The byte at the reader, consumed; nil at the end.
    @inline(__always)
    mutating func takeByte() -> UInt8? {
        guard index < count else { return nil }
        defer { index += 1 }
        return base[index]
    }

    /// Whether the value at the reader is an object; if not, fails as Foundation's keyed
    /// container does.
    mutating func expectObject() throws(WireFailure) -> Bool {
        let next = try skipWhitespace()
        guard next == .openBrace else {
            fail(next == .n ? .null(.object) : .typeMismatch(.object))
            return false
        }
        return true
    }

    /// The object just read failed as `failures` say: sets `failure`; true if it did.
    mutating func failed(_ failures: FieldFailures) -> Bool {
        failure = failures.failure
        return failure != nil
    }
}

extension UInt8 {
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let comma = UInt8(ascii: ",")
    static let colon = UInt8(ascii: ":")
    static let n = UInt8(ascii: "n")
}
