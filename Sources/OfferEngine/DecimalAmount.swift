/// An exact decimal amount of money, such as `799.00`: an integer mantissa and a scale
/// (digits after the point). Never a binary float.
///
/// On the wire it is a decimal string, and it keeps its scale: `"799.00"` encodes back to
/// `"799.00"`. Equality and ordering are numeric (`1.5 == 1.50`).
public struct DecimalAmount: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The digits as an integer: `799.00` has mantissa 79900 and scale 2.
    public let mantissa: Int128
    /// Digits after the decimal point.
    public let scale: Int

    /// The most digits an amount may have; keeps every sum and product of realistic carts
    /// far from the mantissa's limits.
    public static let maximumDigits = 24
    /// The most digits after the point.
    public static let maximumScale = 12

    public static let zero = DecimalAmount(mantissa: 0, scale: 0)

    public init(mantissa: Int128, scale: Int) {
        precondition(scale >= 0 && scale <= Self.maximumScale, "scale out of range")
        self.mantissa = mantissa
        self.scale = scale
    }

    /// Parses a decimal string: an optional `-`, digits, and optionally `.` and digits
    /// (`"0.50"`, `"-3"`, `"1000.125"`). No exponent, no grouping, no leading `+` or `.`.
    public init?(_ text: some StringProtocol) {
        var text = String(text)
        guard let amount = text.withUTF8({ DecimalAmount(utf8: $0) }) else { return nil }
        self = amount
    }

    /// Parses a decimal string from its UTF-8 bytes, exactly as ``init(_:)``; for decoders
    /// that read the wire bytes without making a `String` first.
    public init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        let negative = bytes.first == UInt8(ascii: "-")
        let start = negative ? 1 : 0
        // Up to 18 digits add up in a machine word (this runs for every price of every cart
        // event); only a longer mantissa goes on in `Int128`.
        var small: UInt64 = 0
        var wide: Int128 = 0
        var digits = 0
        var scale = 0
        var seenPoint = false
        var integerDigits = 0
        for index in start..<bytes.count {
            let byte = bytes[index]
            let digit = byte &- UInt8(ascii: "0")
            if digit < 10 {
                digits += 1
                if digits <= 18 {
                    small = small &* 10 &+ UInt64(digit)
                } else {
                    if digits == 19 { wide = Int128(small) }
                    wide = wide * 10 + Int128(digit)
                }
                if seenPoint { scale += 1 } else { integerDigits += 1 }
                if digits > Self.maximumDigits || scale > Self.maximumScale { return nil }
            } else if byte == UInt8(ascii: "."), !seenPoint, integerDigits > 0 {
                seenPoint = true
            } else {
                return nil
            }
        }
        guard integerDigits > 0, !seenPoint || scale > 0 else { return nil }
        // A leading zero only as the sole integer digit: "0.5" but not "007".
        if integerDigits > 1, bytes[start] == UInt8(ascii: "0") { return nil }
        let mantissa = digits > 18 ? wide : Int128(small)
        self.init(mantissa: negative ? -mantissa : mantissa, scale: scale)
    }

    public var description: String {
        let magnitude = String(mantissa.magnitude)
        guard scale > 0 else { return mantissa < 0 ? "-" + magnitude : magnitude }
        let padded = String(repeating: "0", count: max(0, scale + 1 - magnitude.count)) + magnitude
        let point = padded.index(padded.endIndex, offsetBy: -scale)
        return (mantissa < 0 ? "-" : "") + padded[..<point] + "." + padded[point...]
    }

    public var isNegative: Bool { mantissa < 0 }

    /// This amount with `scale` digits after the point; `nil` when that would drop non-zero
    /// digits or overflow.
    public func rescaled(to scale: Int) -> DecimalAmount? {
        guard scale >= 0, scale <= Self.maximumScale else { return nil }
        if scale >= self.scale {
            let (value, overflow) = mantissa.multipliedReportingOverflow(by: Self.powerOfTen(scale - self.scale))
            return overflow ? nil : DecimalAmount(mantissa: value, scale: scale)
        }
        let divisor = Self.powerOfTen(self.scale - scale)
        guard mantissa % divisor == 0 else { return nil }
        return DecimalAmount(mantissa: mantissa / divisor, scale: scale)
    }

    /// The exact sum; `nil` on overflow.
    public func adding(_ other: DecimalAmount) -> DecimalAmount? {
        let scale = max(self.scale, other.scale)
        guard let a = rescaled(to: scale), let b = other.rescaled(to: scale) else { return nil }
        let (sum, overflow) = a.mantissa.addingReportingOverflow(b.mantissa)
        return overflow || sum.magnitude >= Self.limit ? nil : DecimalAmount(mantissa: sum, scale: scale)
    }

    /// The exact product with a whole number, keeping the scale; `nil` on overflow.
    public func multiplied(by factor: Int) -> DecimalAmount? {
        let (product, overflow) = mantissa.multipliedReportingOverflow(by: Int128(factor))
        return overflow || product.magnitude >= Self.limit ? nil : DecimalAmount(mantissa: product, scale: scale)
    }

    public static func == (lhs: DecimalAmount, rhs: DecimalAmount) -> Bool {
        compare(lhs, rhs) == 0
    }

    public static func < (lhs: DecimalAmount, rhs: DecimalAmount) -> Bool {
        compare(lhs, rhs) < 0
    }

    public func hash(into hasher: inout Hasher) {
        // Numerically equal amounts hash alike: drop trailing zeros first.
        var mantissa = self.mantissa
        var scale = self.scale
        while scale > 0, mantissa % 10 == 0 { mantissa /= 10; scale -= 1 }
        hasher.combine(mantissa)
        hasher.combine(scale)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let text = try? container.decode(String.self) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a decimal string (amounts are strings such as \"19.99\")")
        }
        guard let amount = DecimalAmount(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a decimal string: '\(text)'")
        }
        self = amount
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    // Both sides are at most `maximumDigits` digits with scale at most `maximumScale`, so
    // aligning scales cannot overflow Int128.
    private static func compare(_ lhs: DecimalAmount, _ rhs: DecimalAmount) -> Int {
        // Amounts of one currency mostly share a scale: nothing to align.
        if lhs.scale == rhs.scale {
            return lhs.mantissa == rhs.mantissa ? 0 : (lhs.mantissa < rhs.mantissa ? -1 : 1)
        }
        let scale = max(lhs.scale, rhs.scale)
        let a = lhs.mantissa * powerOfTen(scale - lhs.scale)
        let b = rhs.mantissa * powerOfTen(scale - rhs.scale)
        return a == b ? 0 : (a < b ? -1 : 1)
    }

    private static let limit: UInt128 = {
        var value: UInt128 = 1
        for _ in 0..<maximumDigits { value *= 10 }
        return value
    }()

    private static func powerOfTen(_ exponent: Int) -> Int128 {
        var value: Int128 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}
