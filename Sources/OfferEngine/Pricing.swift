/// How an offered item is priced in one currency (`OfferedItem.prices`).
///
/// JSON: exactly one of `fixed`, `percentOff`, `amountOff`, with the list price `of`:
/// `{"fixed": "899.00"}`, `{"fixed": "899.00", "of": "999.00"}`,
/// `{"percentOff": "10", "of": "999.00"}`, `{"amountOff": "50.00", "of": "849.00"}`.
/// The list price, when given, becomes the item's `compareAtPrice`.
///
/// Prices are computed exactly and given at the currency's minor unit
/// (``CurrencyMinorUnits``): a percentage is rounded **half-even** (banker's rounding:
/// 0.125 → 0.12, 0.135 → 0.14), and no price goes below zero.
public enum PriceRule: Sendable, Hashable {
    /// This price; `of`, when given, is shown struck through.
    case fixed(DecimalAmount, of: DecimalAmount? = nil)
    /// A percentage (0…100) off the list price `of`.
    case percentOff(DecimalAmount, of: DecimalAmount)
    /// An amount off the list price `of`, at least zero.
    case amountOff(DecimalAmount, of: DecimalAmount)

    /// The list price, when the rule has one.
    public var listPrice: DecimalAmount? {
        switch self {
        case .fixed(_, let of): of
        case .percentOff(_, let of), .amountOff(_, let of): of
        }
    }

    /// The unit price and compare-at price in `currency`, at its minor unit; `nil` when an
    /// amount has more decimal places than the currency allows or the result overflows
    /// (a catalog with such a rule is refused).
    public func price(in currency: String) -> (unitPrice: DecimalAmount, compareAtPrice: DecimalAmount?)? {
        let digits = CurrencyMinorUnits.digits(of: currency)
        var compareAt: DecimalAmount?
        if let listPrice {
            guard let list = listPrice.rescaled(to: digits) else { return nil }
            compareAt = list
        }
        switch self {
        case .fixed(let price, _):
            guard let price = price.rescaled(to: digits) else { return nil }
            return (price, compareAt)
        case .amountOff(let amount, _):
            guard let list = compareAt, let off = amount.rescaled(to: digits) else { return nil }
            let value = max(0, list.mantissa - off.mantissa)
            return (DecimalAmount(mantissa: value, scale: digits), compareAt)
        case .percentOff(let percent, _):
            guard let list = compareAt, percent.scale <= 8 else { return nil }
            // price = list × (100 − percent) / 100, exactly: with percent = p / 10^s,
            // mantissa = list.mantissa × (100·10^s − p) / (100·10^s), then rounded half-even.
            let denominator = 100 * Self.powerOfTen(percent.scale)
            let factor = max(0, denominator - percent.mantissa)
            let (numerator, overflow) = list.mantissa.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            return (DecimalAmount(mantissa: Self.divideRoundingHalfEven(numerator, by: denominator), scale: digits), compareAt)
        }
    }

    /// `numerator / denominator` rounded to the nearest integer, ties to even. Both are
    /// non-negative and `denominator` is positive.
    static func divideRoundingHalfEven(_ numerator: Int128, by denominator: Int128) -> Int128 {
        let quotient = numerator / denominator
        let twiceRemainder = (numerator % denominator) * 2
        if twiceRemainder > denominator || twiceRemainder == denominator && quotient % 2 == 1 {
            return quotient + 1
        }
        return quotient
    }

    static func powerOfTen(_ exponent: Int) -> Int128 {
        var value: Int128 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// Problems of this rule in `currency`, each with its path under `path`
    /// (`offers[0].items[0].prices.USD`).
    func problems(at path: String, currency: String) -> [String] {
        var problems: [String] = []
        let digits = CurrencyMinorUnits.digits(of: currency)
        func check(_ amount: DecimalAmount, _ field: String) {
            if amount.isNegative {
                problems.append("\(path).\(field): must not be negative (got \(amount))")
            } else if amount.scale > digits {
                problems.append("\(path).\(field): \(CurrencyMinorUnits.tooManyDecimals(amount, currency))")
            }
        }
        switch self {
        case .fixed(let price, _):
            check(price, "fixed")
        case .amountOff(let amount, _):
            check(amount, "amountOff")
        case .percentOff(let percent, _):
            if percent.isNegative || percent > DecimalAmount(mantissa: 100, scale: 0) {
                problems.append("\(path).percentOff: must be between 0 and 100 (got \(percent))")
            } else if percent.scale > 8 {
                problems.append("\(path).percentOff: at most 8 decimal places (got \(percent))")
            }
        }
        if let listPrice { check(listPrice, "of") }
        if problems.isEmpty, price(in: currency) == nil {
            problems.append("\(path): the price cannot be computed (too many digits)")
        }
        return problems
    }
}

extension PriceRule: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable { case fixed, percentOff, amountOff, of }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let given = [CodingKeys.fixed, .percentOff, .amountOff].filter(container.contains)
        guard given.count == 1 else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "give exactly one of fixed, percentOff, amountOff"
                    + (given.isEmpty ? "" : " (found \(given.map(\.stringValue).joined(separator: ", ")))")))
        }
        let of = try container.decodeIfPresent(DecimalAmount.self, forKey: .of)
        switch given[0] {
        case .fixed:
            self = .fixed(try container.decode(DecimalAmount.self, forKey: .fixed), of: of)
        case .percentOff, .amountOff:
            let key = given[0]
            guard let of else {
                throw DecodingError.keyNotFound(CodingKeys.of, .init(
                    codingPath: decoder.codingPath, debugDescription: "\(key.stringValue) needs the list price 'of'"))
            }
            let value = try container.decode(DecimalAmount.self, forKey: key)
            self = key == .percentOff ? .percentOff(value, of: of) : .amountOff(value, of: of)
        case .of:
            preconditionFailure("unreachable")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .fixed(let price, let of):
            try container.encode(price, forKey: .fixed)
            try container.encodeIfPresent(of, forKey: .of)
        case .percentOff(let percent, let of):
            try container.encode(percent, forKey: .percentOff)
            try container.encode(of, forKey: .of)
        case .amountOff(let amount, let of):
            try container.encode(amount, forKey: .amountOff)
            try container.encode(of, forKey: .of)
        }
    }
}

/// Decimal places of a currency's minor unit (ISO 4217): 2 unless listed here.
public enum CurrencyMinorUnits {
    /// Currencies without a minor unit.
    public static let zeroDigit: Set<String> = [
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
    ]
    /// Currencies with a minor unit of a thousandth.
    public static let threeDigit: Set<String> = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]

    /// 0 for JPY, 3 for KWD, 2 for EUR.
    public static func digits(of currency: String) -> Int {
        if zeroDigit.contains(currency) { return 0 }
        if threeDigit.contains(currency) { return 3 }
        return 2
    }

    /// Why `amount` is not a price in `currency`: it is written with more decimal places
    /// than the currency's minor unit (`999.5` yen, `9.999` euros). Such a price is refused
    /// rather than rounded, so what the merchant wrote is what the shopper is shown.
    static func tooManyDecimals(_ amount: DecimalAmount, _ currency: String) -> String {
        "\(amount) has more decimal places than \(currency) allows (\(digits(of: currency)))"
    }
}
