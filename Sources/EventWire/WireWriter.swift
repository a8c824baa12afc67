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
    static func raw(_ text: StaticString, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// `"name":`, after a comma unless it is the object's first member.
    @inline(__always)
    static func key(_ name: StaticString, first: inout Bool, into buffer: inout [UInt8]) {
        if first {
            first = false
        } else {
            buffer.append(.comma)
        }
        buffer.append(.quote)
        raw(name, into: &buffer)
        buffer.append(.quote)
        buffer.append(.colon)
    }

    static func string(_ value: String, into buffer: inout [UInt8]) {
        buffer.append(.quote)
        var value = value
        value.withUTF8 { utf8 in
            var mark = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == .quote || byte == .backslash else { continue }
                if index > mark { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[mark..<index])) }
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
                    raw("u00", into: &buffer)
                    buffer.append(hexDigit(byte >> 4))
                    buffer.append(hexDigit(byte & 0x0F))
                }
            }
            if utf8.count > mark { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[mark...])) }
        }
        buffer.append(.quote)
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    static func integer(_ value: Int, into buffer: inout [UInt8]) {
        integer(Int64(value), into: &buffer)
    }

    static func integer(_ value: Int64, into buffer: inout [UInt8]) {
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        digits(value.magnitude, into: &buffer)
    }

    /// The decimal digits of `value`.
    private static func digits(_ value: UInt64, into buffer: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { scratch in
            var value = value
            var start = 20
            repeat {
                start -= 1
                scratch[start] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            } while value != 0
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[start...]))
        }
    }

    /// `"799.00"`: ``DecimalAmount/description``, quoted.
    static func amount(_ amount: DecimalAmount, into buffer: inout [UInt8]) {
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
                buffer.append(contentsOf: digits)
                return
            }
            if digits.count > scale {
                let split = digits.count - scale
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: digits[..<split]))
                buffer.append(UInt8(ascii: "."))
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: digits[split...]))
            } else {
                // Zeros in front so there is a digit before the point: "0.05".
                buffer.append(UInt8(ascii: "0"))
                buffer.append(UInt8(ascii: "."))
                buffer.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: scale - digits.count))
                buffer.append(contentsOf: digits)
            }
        }
        buffer.append(.quote)
    }

    /// `"2026-11-24T10:00:00Z"`: ``EventTime/description`` (UTC, `.SSS` only when the
    /// milliseconds are not zero), quoted.
    static func time(_ time: EventTime, into buffer: inout [UInt8]) {
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
        buffer.append(.quote)
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
        buffer.append(.quote)
    }

    /// `String(value)` with zeros in front up to `width` characters, as `EventTime` pads
    /// (a negative year -5 is `00-5`).
    private static func padded(_ value: Int, _ width: Int, into buffer: inout [UInt8]) {
        var length = value < 0 ? 2 : 1
        var rest = value.magnitude / 10
        while rest != 0 {
            length += 1
            rest /= 10
        }
        if width > length { buffer.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - length)) }
        integer(value, into: &buffer)
    }
}
