import OfferEngine

/// Appends JSON values to a byte buffer exactly as Foundation's `JSONEncoder` writes them
/// with `.sortedKeys` and `.withoutEscapingSlashes`.
///
/// Its escaping: `"` and `\` are backslashed; of the control characters, 0x08, 0x09, 0x0A,
/// 0x0C and 0x0D become `\b \t \n \f \r` and the others `\u00xx` (lower-case hex); `/`,
/// DEL and everything non-ASCII are written as they are (UTF-8). Integers in decimal;
/// amounts and times as the strings of their `description`.
enum WireWriter {
    @inline(__always)
    static func raw(_ text: StaticString, into buffer: inout WireOutput) {
        buffer.append(text)
    }

    /// `"name":`, after a comma unless it is the object's first member.
    @inline(__always)
    static func key(_ name: StaticString, first: inout Bool, into buffer: inout WireOutput) {
        let length = name.utf8CodeUnitCount
        let out = buffer.reserve(length + 4)
        var position = 0
        if first {
            first = false
        } else {
            out[0] = .comma
            position = 1
        }
        out[position] = .quote
        (out + position + 1).update(from: name.utf8Start, count: length)
        out[position + 1 + length] = .quote
        out[position + 2 + length] = .colon
        buffer.commit(position + 3 + length)
    }

    static func string(_ value: String, into buffer: inout WireOutput) {
        if let written = value.utf8.withContiguousStorageIfAvailable({ string($0, into: &buffer) }) {
            return written
        }
        var value = value
        value.withUTF8 { string($0, into: &buffer) }
    }

    /// A string's UTF-8, quoted and escaped. Eight bytes at a time while none needs escaping,
    /// which for identifiers is all of them.
    static func string(_ utf8: UnsafeBufferPointer<UInt8>, into buffer: inout WireOutput) {
        let count = utf8.count
        guard let source = utf8.baseAddress else {
            buffer.append("\"\"")
            return
        }
        var index = 0
        while count - index >= 8 {
            let word = UInt64(littleEndian: UnsafeRawPointer(source + index).loadUnaligned(as: UInt64.self))
            let special = WireReader.specialBytes(word)
            if special != 0 {
                index += special.trailingZeroBitCount >> 3
                break
            }
            index += 8
        }
        while index < count {
            let byte = source[index]
            if byte < 0x20 || byte == .quote || byte == .backslash { break }
            index += 1
        }
        // The bytes before `index` need no escaping.
        let out = buffer.reserve(index + 2)
        out[0] = .quote
        (out + 1).update(from: source, count: index)
        if index == count {
            out[index + 1] = .quote
            buffer.commit(index + 2)
            return
        }
        buffer.commit(index + 1)
        escaped(UnsafeBufferPointer(start: source + index, count: count - index), into: &buffer)
        buffer.append(.quote)
    }

    /// The rest of a string from its first byte that needs escaping.
    @inline(never)
    private static func escaped(_ utf8: UnsafeBufferPointer<UInt8>, into buffer: inout WireOutput) {
        var mark = 0
        for index in utf8.indices {
            let byte = utf8[index]
            guard byte < 0x20 || byte == .quote || byte == .backslash else { continue }
            if index > mark { buffer.append(UnsafeBufferPointer(rebasing: utf8[mark..<index])) }
            mark = index + 1
            buffer.append(.backslash)
            switch byte {
            case .quote, .backslash: buffer.append(byte)
            case 0x08: buffer.append(UInt8(ascii: "b"))
            case 0x09: buffer.append(UInt8(ascii: "t"))
            case 0x0A: buffer.append(UInt8(ascii: "n"))
            case 0x0C: buffer.append(UInt8(ascii: "f"))
            case 0x0D: buffer.append(UInt8(ascii: "r"))
            default:
                buffer.append("u00")
                buffer.append(hexDigit(byte >> 4))
                buffer.append(hexDigit(byte & 0x0F))
            }
        }
        if utf8.count > mark { buffer.append(UnsafeBufferPointer(rebasing: utf8[mark...])) }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    static func integer(_ value: Int, into buffer: inout WireOutput) {
        integer(Int64(value), into: &buffer)
    }

    static func integer(_ value: Int64, into buffer: inout WireOutput) {
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        digits(value.magnitude, into: &buffer)
    }

    /// How many decimal digits `value` has.
    @inline(__always)
    private static func digitCount(_ value: UInt64) -> Int {
        var count = 1
        var rest = value
        while rest >= 10 {
            count += 1
            rest /= 10
        }
        return count
    }

    /// The decimal digits of `value`, written from the last.
    @inline(__always)
    private static func digits(_ value: UInt64, into buffer: inout WireOutput) {
        let count = digitCount(value)
        let out = buffer.reserve(count)
        var rest = value
        var position = count
        repeat {
            position -= 1
            out[position] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        } while rest != 0
        buffer.commit(count)
    }

    /// `"799.00"`: ``DecimalAmount/description``, quoted.
    static func amount(_ amount: DecimalAmount, into buffer: inout WireOutput) {
        buffer.append(.quote)
        if amount.mantissa < 0 { buffer.append(UInt8(ascii: "-")) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { scratch in
            var magnitude = amount.mantissa.magnitude
            var start = 40
            if magnitude <= UInt64.max {
                var small = UInt64(magnitude)
                repeat {
                    start -= 1
                    scratch[start] = UInt8(ascii: "0") + UInt8(small % 10)
                    small /= 10
                } while small != 0
            } else {
                repeat {
                    start -= 1
                    scratch[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                    magnitude /= 10
                } while magnitude != 0
            }
            let digits = UnsafeBufferPointer(rebasing: scratch[start...])
            let scale = amount.scale
            guard scale > 0 else {
                buffer.append(digits)
                return
            }
            if digits.count > scale {
                let split = digits.count - scale
                buffer.append(UnsafeBufferPointer(rebasing: digits[..<split]))
                buffer.append(UInt8(ascii: "."))
                buffer.append(UnsafeBufferPointer(rebasing: digits[split...]))
            } else {
                // Zeros in front so there is a digit before the point: "0.05".
                buffer.append(UInt8(ascii: "0"))
                buffer.append(UInt8(ascii: "."))
                buffer.append(UInt8(ascii: "0"), count: scale - digits.count)
                buffer.append(digits)
            }
        }
        buffer.append(.quote)
    }

    /// `"2026-11-24T10:00:00Z"`: ``EventTime/description`` (UTC, `.SSS` only when the
    /// milliseconds are not zero), quoted.
    static func time(_ time: EventTime, into buffer: inout WireOutput) {
        buffer.append(.quote)
        timeText(time, into: &buffer)
        buffer.append(.quote)
    }

    /// ``EventTime/description``, unquoted.
    static func timeText(_ time: EventTime, into buffer: inout WireOutput) {
        let milliseconds = time.millisecondsSinceEpoch
        var days = milliseconds / 86_400_000
        var millisecondOfDay = milliseconds % 86_400_000
        if millisecondOfDay < 0 {
            days -= 1
            millisecondOfDay += 86_400_000
        }
        let (year, month, day) = EventTime.civil(fromDays: Int(days))
        let secondOfDay = Int(millisecondOfDay / 1000)
        let fraction = Int(millisecondOfDay % 1000)
        if (0...9999).contains(year) {
            // The usual case: fixed widths, written in place.
            let out = buffer.reserve(24)
            @inline(__always) func put(_ value: Int, _ width: Int, at position: Int) {
                var rest = value
                var index = position + width
                while index > position {
                    index -= 1
                    out[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                    rest /= 10
                }
            }
            put(year, 4, at: 0)
            out[4] = UInt8(ascii: "-")
            put(month, 2, at: 5)
            out[7] = UInt8(ascii: "-")
            put(day, 2, at: 8)
            out[10] = UInt8(ascii: "T")
            put(secondOfDay / 3600, 2, at: 11)
            out[13] = .colon
            put(secondOfDay / 60 % 60, 2, at: 14)
            out[16] = .colon
            put(secondOfDay % 60, 2, at: 17)
            if fraction != 0 {
                out[19] = UInt8(ascii: ".")
                put(fraction, 3, at: 20)
                out[23] = UInt8(ascii: "Z")
                buffer.commit(24)
            } else {
                out[19] = UInt8(ascii: "Z")
                buffer.commit(20)
            }
            return
        }
        padded(year, 4, into: &buffer)
        buffer.append(UInt8(ascii: "-"))
        padded(month, 2, into: &buffer)
        buffer.append(UInt8(ascii: "-"))
        padded(day, 2, into: &buffer)
        buffer.append(UInt8(ascii: "T"))
        padded(secondOfDay / 3600, 2, into: &buffer)
        buffer.append(.colon)
        padded(secondOfDay / 60 % 60, 2, into: &buffer)
        buffer.append(.colon)
        padded(secondOfDay % 60, 2, into: &buffer)
        if fraction != 0 {
            buffer.append(UInt8(ascii: "."))
            padded(fraction, 3, into: &buffer)
        }
        buffer.append(UInt8(ascii: "Z"))
    }

    /// `String(value)` with zeros in front up to `width` characters, as `EventTime` pads
    /// (a negative year -5 is `00-5`).
    private static func padded(_ value: Int, _ width: Int, into buffer: inout WireOutput) {
        var length = value < 0 ? 2 : 1
        var rest = value.magnitude / 10
        while rest != 0 {
            length += 1
            rest /= 10
        }
        if width > length { buffer.append(UInt8(ascii: "0"), count: width - length) }
        integer(value, into: &buffer)
    }
}
