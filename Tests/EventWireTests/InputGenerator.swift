/// Random `cart.updated`, `offer.accepted` and `offer.declined` documents: mostly usable
/// events, with every field now and then of the wrong type, null, missing, repeated,
/// malformed in a way only reading it reveals, or joined by unknown fields.
struct InputGenerator {
    var random: SplitMix64
    /// One field in `oddity` is odd (0: none).
    var oddity = 6

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    // MARK: Documents

    mutating func cart() -> JSONNode {
        oddity = random.pick([0, 0, 0, 6, 30])
        var members: [(String, JSONNode)] = [
            ("eventId", identifier()), ("cartId", identifier()), ("version", integer(typical: ["3", "1", "0", "42"])),
            ("occurredAt", time()), ("currency", currency()),
        ]
        if random.oneIn(2) { members.append(("customer", customer())) }
        members.append(("lines", lines()))
        if random.oneIn(2) { members.append(("subtotal", amount())) }
        if random.oneIn(2) { members.append(("attributes", attributes())) }
        if random.oneIn(4) { members.append(("schemaVersion", schemaVersion())) }
        return object(members)
    }

    mutating func response() -> JSONNode {
        oddity = random.pick([0, 0, 0, 4, 20])
        var members: [(String, JSONNode)] = [
            ("eventId", identifier()), ("cartId", identifier()),
            ("presentationId", random.oneIn(2) ? .string("0eeb5491-6ca8-86bb-8009-a466cbfe52f2") : identifier()),
            ("occurredAt", time()),
        ]
        if random.oneIn(3) { members.append(("schemaVersion", schemaVersion())) }
        return object(members)
    }

    private mutating func customer() -> JSONNode {
        if odd() { return oddValue() }
        var members: [(String, JSONNode)] = []
        if random.oneIn(2) { members.append(("id", optionalText())) }
        if random.oneIn(2) { members.append(("tags", strings())) }
        if random.oneIn(2) { members.append(("country", optionalText())) }
        if random.oneIn(2) { members.append(("ordersCount", random.oneIn(4) ? .literal("null") : integer(typical: ["0", "2", "-1", "7"]))) }
        return object(members)
    }

    private mutating func lines() -> JSONNode {
        if odd() { return oddValue() }
        var elements: [JSONNode] = []
        for index in 0..<random.pick([0, 1, 1, 1, 2, 2, 3, 7]) {
            elements.append(odd() ? oddValue() : line(index))
        }
        return .array(elements)
    }

    private mutating func line(_ index: Int) -> JSONNode {
        var members: [(String, JSONNode)] = [
            ("lineId", random.oneIn(20) ? .string("l0") : (odd() ? oddValue() : .string("l\(index)"))),
            ("productId", identifier()), ("variantId", identifier()),
            ("quantity", integer(typical: ["1", "2", "3", "10"])), ("unitPrice", amount()),
        ]
        if random.oneIn(3) { members.append(("collectionIds", strings())) }
        if random.oneIn(3) { members.append(("tags", strings())) }
        if random.oneIn(4) { members.append(("productType", optionalText())) }
        if random.oneIn(4) { members.append(("vendor", optionalText())) }
        return object(members)
    }

    private mutating func attributes() -> JSONNode {
        if odd() { return oddValue() }
        var members: [(String, JSONNode)] = []
        for _ in 0..<random.next(5) {
            let key = random.pick(["channel", "market", "device", "5", "+5", "-0", "05", "", "é", "e\u{301}", "K", "\u{212A}", "a.b"])
            members.append((key, odd() ? oddValue() : .string(text())))
        }
        return .object(members.map { JSONMember(key: $0.0, value: $0.1) })
    }

    /// An object of `members`, now and then reordered, with a member missing, repeated or
    /// unknown ones added.
    private mutating func object(_ members: [(String, JSONNode)]) -> JSONNode {
        var members = members
        if odd(), !members.isEmpty { members.remove(at: random.next(members.count)) }
        if odd(), !members.isEmpty {
            let repeated = members[random.next(members.count)]
            members.insert((repeated.0, random.oneIn(2) ? oddValue() : repeated.1), at: random.next(members.count + 1))
        }
        if random.oneIn(5) {
            for _ in 0...random.next(3) {
                members.insert((random.pick(["extra", "metadata", #"§e\u0076entId"#, #"§lineI\u0064"#, "lines2", #"§bad\x"#, #"§\u0000"#, "source"]), unknownValue(depth: 0)),
                               at: random.next(members.count + 1))
            }
        }
        // Sorted by key bytes, as encoders with sorted keys write (the readers' fast paths),
        // or shuffled, or as declared.
        switch random.next(3) {
        case 0: members.sort { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        case 1: if random.oneIn(2) { members.shuffle(using: &random) }
        default: break
        }
        return .object(members.map { JSONMember(key: $0.0, value: $0.1) })
    }

    // MARK: Values

    private mutating func odd() -> Bool { oddity > 0 && random.oneIn(oddity) }

    private mutating func identifier() -> JSONNode {
        odd() ? oddValue() : .string(text())
    }

    private mutating func optionalText() -> JSONNode {
        random.oneIn(5) ? .literal("null") : identifier()
    }

    private mutating func strings() -> JSONNode {
        if random.oneIn(6) { return .literal("null") }
        if odd() { return oddValue() }
        return .array((0..<random.next(4)).map { _ in odd() ? oddValue() : .string(text()) })
    }

    mutating func text() -> String {
        switch random.next(14) {
        case 0..<5:
            return random.pick(["l1", "l2", "c1", "e1", "p", "v", "phone-std", "phone-std-64", "usb-cable", "web", "vip", "DE", "EUR"])
        case 5: return ""
        case 6: return String(decoding: (0..<random.next(24)).map { _ in UInt8(32 + random.next(95)) }, as: UTF8.self)
        case 7:
            let pieces = ["é", "e\u{301}", "ß", "日本", "🛒", "\u{0}", "\u{1F}", "\"", "\\", "/", "\u{7F}", "\u{2028}", "K", "\u{212A}", "\u{FEFF}", "\t\n"]
            return (0...random.next(5)).map { _ in random.pick(pieces) }.joined()
        case 8: return random.pick(Self.longTexts)
        case 9: return "0eeb5491-6ca8-86bb-8009-a466cbfe52f2"
        default: return "id-\(random.next(1000))"
        }
    }

    private mutating func currency() -> JSONNode {
        odd() ? oddValue() : .string(random.oneIn(8) ? random.pick(["eur", "EURO", "", "E", "ÉUR", "US1"]) : random.pick(["EUR", "USD", "JPY"]))
    }

    private mutating func integer(typical: [String]) -> JSONNode {
        if odd() { return oddValue() }
        if random.oneIn(6) { return .literal(oddInteger()) }
        return .literal(random.pick(typical))
    }

    /// Integers as Foundation reads them, and numbers it refuses as integers.
    mutating func oddInteger() -> String {
        random.pick([
            "1.0", "1e0", "1E+0", "10e-1", "-0", "-0.0", "1e2", "0.5", "1.5", "01", "-01", "00", "-", "1.", ".5", "1e", "1e+",
            "1.2.3", "1-2", "1e5e5", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
            "9223372036854775807.0", "-9223372036854775808.0", "9007199254740993", "9007199254740993.5", "9007199254740993.00000",
            "1e18", "1.5e17", "1e19", "1e-400", "1e-5", "1e400", "123456789012345678901234567890", "1000001", "1000000",
            "-1", "2", "4.0e0", "0e5", "-0e-0", "12345678901234567.8", "90071992547409935e-1", "1E2", "2e-0",
        ])
    }

    private mutating func schemaVersion() -> JSONNode {
        if odd() { return oddValue() }
        return .literal(random.pick(["1", "1", "null", "2", "0", "1.0", "1e0", "-1"]))
    }

    private mutating func time() -> JSONNode {
        if odd() { return oddValue() }
        if random.oneIn(5) {
            return .string(random.pick([
                "2026-11-24", "2026-11-24T10:00:00", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2026-11-24T24:00:00Z",
                "2026-11-24T10:00:00.Z", "2026-11-24T10:00:00+0100", "tomorrow", "", "2026-11-24T10:00:60Z", "2026-11-24T10:00:61Z",
                "2026-11-24T10:00:00+24:00", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z",
            ]))
        }
        return .string(random.pick([
            "2026-11-24T10:00:00Z", "2026-11-24T11:00:00.250+01:00", "2026-11-24t10:00:00z", "2026-11-24 10:00:00Z",
            "2024-02-29T00:00:00Z", "2026-11-24T10:00:00.123456789Z", "1970-01-01T00:00:00Z", "2026-11-24T05:30:00-04:30",
        ]))
    }

    private mutating func amount() -> JSONNode {
        if odd() { return oddValue() }
        if random.oneIn(5) {
            return .string(random.pick([
                "007", "1e3", "1.", ".5", "", "1,5", "+1", "--1", "0.0000000000001", "1234567890123456789012345",
                "99999999999999999999.999", "NaN", "9.50 ", "٣",
            ]))
        }
        return .string(random.pick(["799.00", "9.50", "0", "0.5", "-1.00", "1000.125", "0.00", "-0", "818.00", "123456789012.000000000001"]))
    }

    /// A value of the wrong kind, null, or one only reading reveals as malformed.
    mutating func oddValue() -> JSONNode {
        switch random.next(12) {
        case 0: return .literal("null")
        case 1: return .literal(random.pick(["true", "false"]))
        case 2: return .literal(oddInteger())
        case 3: return .array(random.oneIn(2) ? [] : [.string("a"), .literal("1")])
        case 4: return .object(random.oneIn(2) ? [] : [JSONMember(key: "k", value: .string("v"))])
        case 5: return .string(random.pick(["1", "9.50", "2026-11-24T10:00:00Z", "null"]))
        case 6: return .rawString(random.pick([#"a\x"#, #"\u12G4"#, #"\uD800"#, #"\uDC00"#, #"\uD800\u0041"#, #"\uD83D\uDE00"#, #"tab\#there"#, #"\'"#, #"\u0000"#, #"\/\b\f"#]))
        case 7: return .rawString(random.pick(["a\u{01}b", "\u{1F}", "new\nline"]))
        case 8: return .literal(random.pick(["-", "--", "1-2", "1e5e5", "0x10", "+1", "Infinity", "NaN", "nul", "tru"]))
        case 9: return .string(text())
        case 10: return unknownValue(depth: 2)
        default: return .literal(random.pick(["0", "-1", "1000001", "3"]))
        }
    }

    /// A value for an unknown field: never read, only scanned, so the scanner's leniencies
    /// show.
    private mutating func unknownValue(depth: Int) -> JSONNode {
        switch random.next(depth > 2 ? 6 : 9) {
        case 0: return .literal(random.pick(["1-2-3", "--", "-", "1e", "0123", "1.2.3", "-e+.", "true", "null", "7"]))
        case 1: return .rawString(random.pick([#"\x"#, #"\u12zz"#, "raw\u{01}control", #"\uDC00"#, #"ok"#]))
        case 2: return .string(text())
        case 3: return .literal("{}")
        case 4: return .literal("[]")
        case 5: return .literal(random.pick(["\"a\\\"b\"", "[1,]", "{\"a\":1,}"]))
        case 6: return .array((0..<random.next(3)).map { _ in unknownValue(depth: depth + 1) })
        case 7:
            return .object((0..<random.next(3)).map { _ in
                JSONMember(key: random.pick(["a", "b", #"§bad\x"#, #"§\uD800"#]), value: unknownValue(depth: depth + 1))
            })
        default:
            return random.oneIn(4) ? .literal(random.pick(Self.nestings)) : .literal("[[[[[[[[[[]]]]]]]]]]")
        }
    }

    /// Around the 256-byte limit of identifiers, and the 15 bytes of Swift's small strings.
    static let longTexts = [15, 16, 255, 256, 257].map { String(repeating: "x", count: $0) }
        + [100, 128, 129].map { String(repeating: "é", count: $0) }

    /// Arrays nested around Foundation's limit of 512 levels.
    static let nestings = [10, 509, 510, 511, 512, 600].map { String(repeating: "[", count: $0) + String(repeating: "]", count: $0) }
}
