/// Foundation's reading of a JSON number as a 64-bit integer (`Int`, `Int64`), rule for
/// rule, so the same numbers are accepted with the same values.
///
/// Foundation's scanner only delimits a number (a `-` or digit, then any of `0-9 . + - e E`);
/// the number is checked when a field reads it, in three steps:
/// 1. a shape check: no leading zero before a digit, a digit before the exponent and at
///    the end;
/// 2. plain digits that fit (`-0` is 0);
/// 3. otherwise `strtod`: an integral double below 2^53 is taken as is (`1.0`, `1e2`, and
///    `1e-400`, which underflows to 0); an integral one from 2^53 up is re-read as a
///    `Decimal`, whose digits are truncated towards zero (`9007199254740993.5` is
///    9007199254740993). Anything else is not valid JSON.
enum WireInteger {
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        let count = bytes.count
        guard count > 0, let base = bytes.baseAddress else { return nil }
        if let value = plainDigits(base, count) { return value }
        guard prevalidate(base, count) else { return nil }
        return slowPath(bytes)
    }

    /// `-?[0-9]+` without a leading zero, fitting in Int64: the common case. Negative
    /// numbers are accumulated downwards, as Foundation does, so Int64.min fits.
    @inline(__always)
    private static func plainDigits(_ base: UnsafePointer<UInt8>, _ count: Int) -> Int64? {
        let negative = base[0] == UInt8(ascii: "-")
        let start = negative ? 1 : 0
        guard count > start else { return nil }
        // A leading zero before another digit is refused by the shape check.
        if count - start > 1, base[start] == UInt8(ascii: "0") { return nil }
        var value: Int64 = 0
        for index in start..<count {
            let digit = base[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (product, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative
                ? product.subtractingReportingOverflow(Int64(digit)) : product.addingReportingOverflow(Int64(digit))
            guard !overflow1 && !overflow2 else { return nil }
            value = next
        }
        return value
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    /// `JSONScanner.prevalidateJSONNumber`.
    private static func prevalidate(_ base: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        func leadingZeroIsValid(at index: Int) -> Bool {
            guard index < count else { return true }
            switch base[index] {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return true
            default: return false
            }
        }
        let firstDigit: Int
        switch base[0] {
        case UInt8(ascii: "0"):
            guard leadingZeroIsValid(at: 1) else { return false }
            firstDigit = 0
        case UInt8(ascii: "1")...UInt8(ascii: "9"):
            firstDigit = 0
        case UInt8(ascii: "-"):
            guard count > 1 else { return false }
            switch base[1] {
            case UInt8(ascii: "0"):
                guard leadingZeroIsValid(at: 2) else { return false }
            case UInt8(ascii: "1")...UInt8(ascii: "9"):
                break
            default:
                return false
            }
            firstDigit = 1
        default:
            return false
        }
        // The first exponent marker must follow a digit.
        var index = firstDigit + 1
        while index < count {
            if base[index] == UInt8(ascii: "e") || base[index] == UInt8(ascii: "E") {
                guard isDigit(base[index - 1]) else { return false }
                break
            }
            index += 1
        }
        return isDigit(base[count - 1])
    }

    private static func slowPath(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        let text = String(decoding: bytes, as: UTF8.self)
        // The scanner left only `0-9 . + - e E` here, which Swift's parser (strtod in the C
        // locale, like Foundation's) reads the same way; it must take all of it.
        if let double = Double(text) {
            guard let value = Int64(exactly: double) else { return nil }
            if double.magnitude < 0x1p53 { return value }
        }
        guard let decimal = FoundationDecimal(bytes) else { return nil }
        return decimal.int64
    }
}

/// The part of Foundation's `Decimal` that integer decoding goes through: its string parser
/// (a 128-bit mantissa, an Int8 exponent, trailing zeros compacted) and its conversion to an
/// integer (the mantissa must fit 64 bits; a negative exponent truncates).
struct FoundationDecimal {
    var mantissa: UInt128
    var exponent: Int
    var isNegative: Bool

    /// `Decimal._decimal(from:matchEntireString: true)`; `nil` for a parse failure or an
    /// over-large value.
    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        var index = 0
        let count = bytes.count
        var mantissa: UInt128 = 0
        var exponent = 0
        var isNegative = false
        func digit(_ at: Int) -> UInt8? {
            let value = bytes[at] &- UInt8(ascii: "0")
            return value < 10 ? value : nil
        }
        if index < count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            isNegative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var tooBigToFit = false
        while index < count, let value = digit(index) {
            index += 1
            if !tooBigToFit {
                let (product, overflow1) = mantissa.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = product.addingReportingOverflow(UInt128(value))
                if !overflow1 && !overflow2 {
                    mantissa = sum
                    continue
                }
                tooBigToFit = true
            }
            guard exponent != Int(Int8.max) else { return nil }
            exponent += 1
        }
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < count, let value = digit(index) {
                index += 1
                guard !tooBigToFit else { continue }
                let (product, overflow1) = mantissa.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = product.addingReportingOverflow(UInt128(value))
                guard !overflow1 && !overflow2 else {
                    tooBigToFit = true
                    continue
                }
                mantissa = sum
                guard exponent != Int(Int8.min) else { return nil }
                exponent -= 1
            }
        }
        if index < count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < count {
                var explicit = 0
                var negativeExponent = false
                if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                    negativeExponent = bytes[index] == UInt8(ascii: "-")
                    index += 1
                }
                while index < count, let value = digit(index) {
                    explicit = 10 * explicit + Int(value)
                    guard explicit <= 2 * Int(Int8.max) else { return nil }
                    index += 1
                }
                exponent += negativeExponent ? -explicit : explicit
                guard exponent >= Int(Int8.min), exponent <= Int(Int8.max) else { return nil }
            }
        }
        guard index == count, count > 0 else { return nil }
        // compact(): drop trailing zeros into the exponent.
        if mantissa == 0 {
            self.init(mantissa: 0, exponent: 0, isNegative: false)
            return
        }
        while mantissa % 10 == 0 {
            mantissa /= 10
            exponent += 1
        }
        while exponent > Int(Int8.max) {
            mantissa *= 10
            exponent -= 1
        }
        self.init(mantissa: mantissa, exponent: exponent, isNegative: isNegative)
    }

    init(mantissa: UInt128, exponent: Int, isNegative: Bool) {
        self.mantissa = mantissa
        self.exponent = exponent
        self.isNegative = isNegative
    }

    /// `FixedWidthInteger.init?(_ decimal: Decimal)` as JSONDecoder defines it.
    var int64: Int64? {
        guard var value = UInt64(exactly: mantissa) else { return nil }
        if exponent < 0 {
            for _ in 0 ..< -exponent { value /= 10 }
        } else {
            for _ in 0 ..< exponent {
                let (product, overflow) = value.multipliedReportingOverflow(by: 10)
                guard !overflow else { return nil }
                value = product
            }
        }
        guard let magnitude = Int64(exactly: value) else { return nil }
        return isNegative ? -magnitude : magnitude
    }
}
