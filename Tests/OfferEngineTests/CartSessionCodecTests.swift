import Testing
@testable import OfferEngine

/// The binary form of a cart session: what the worker keeps in memory for every live cart
/// and writes to its changelog on every change.
@Suite("CartSession binary codec: round trip, size, corrupted input")
struct CartSessionCodecTests {
    static let base = EventTime(rfc3339: "2026-11-24T10:20:00Z")!

    func encode(_ session: CartSession, base: EventTime = Self.base) -> [UInt8] {
        var writer = BinaryWriter()
        session.encode(into: &writer, relativeTo: base)
        return writer.bytes
    }

    func decode(_ bytes: [UInt8], base: EventTime = Self.base) throws(BinaryDecodingError) -> CartSession {
        var reader = BinaryReader(bytes)
        let session = try CartSession(from: &reader, relativeTo: base)
        guard reader.isAtEnd else { throw reader.error("trailing bytes") }
        return session
    }

    @Test("2,000 random sessions read back equal, and equal sessions give equal bytes whatever their insertion order")
    func randomRoundTrip() async throws {
        var random = SplitMix64(seed: 0x5E55_1011)
        for round in 0..<2_000 {
            if round % 64 == 0 { await Task.yield() }  // other suites share the cooperative threads
            let session = randomSession(using: &random)
            let base = EventTime(millisecondsSinceEpoch: Self.base.millisecondsSinceEpoch + Int64(random.next(upperBound: 7_200_001)) - 3_600_000)
            let bytes = encode(session, base: base)
            let decoded = try decode(bytes, base: base)
            #expect(decoded == session)
            #expect(encode(decoded, base: base) == bytes)
            // The same contents built in another order.
            var reordered = CartSession(cart: session.cart)
            for key in session.presentations.keys.reversed() { reordered.presentations[key] = session.presentations[key] }
            for key in session.presentationCounts.keys.reversed() { reordered.presentationCounts[key] = session.presentationCounts[key] }
            for key in session.declinedOffers.keys.reversed() { reordered.declinedOffers[key] = session.declinedOffers[key] }
            #expect(encode(reordered, base: base) == bytes)
        }
    }

    @Test("the size bound a worker checks a new state with is never below the encoded size, and within 6× of it on real carts")
    func sizeBound() throws {
        var random = SplitMix64(seed: 0xB0_0D)
        for _ in 0..<2_000 {
            let session = randomSession(using: &random)
            // The worst base: times as far from it as the random ones get.
            for base in [Self.base, EventTime(millisecondsSinceEpoch: 0), EventTime(millisecondsSinceEpoch: Int64.max / 4)] {
                let size = encode(session, base: base).count
                #expect(session.encodedSizeBound >= size, "bound \(session.encodedSizeBound) < \(size) bytes")
            }
        }
        for count in [0, 3, 9] {
            let session = realisticSession(presentations: count)
            let size = encode(session).count
            #expect(session.encodedSizeBound >= size && session.encodedSizeBound <= 6 * size + 200, "bound \(session.encodedSizeBound) for \(size) bytes")
        }
    }

    @Test("a realistic 6-line cart with 3 to 9 presentations stays a few hundred bytes; 6 presentations under 600")
    func size() throws {
        var sizes: [Int: Int] = [:]
        for count in 3...9 {
            let session = realisticSession(presentations: count)
            // As the worker's record: format byte, lastActivity, then the session.
            var writer = BinaryWriter()
            writer.writeByte(1)
            writer.writeTime(Self.base)
            session.encode(into: &writer, relativeTo: Self.base)
            sizes[count] = writer.bytes.count
            #expect(try decode(Array(writer.bytes.dropFirst(7))) == session)
        }
        print("encoded state record bytes by presentation count:", sizes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))
        #expect(sizes[6]! <= 600)
        #expect(sizes[9]! <= 800)
    }

    @Test("every truncation and many corruptions are refused with an error naming the field, never a crash")
    func corrupted() throws {
        var random = SplitMix64(seed: 0xBAD_B17E5)
        let bytes = encode(realisticSession(presentations: 6))
        for length in 0..<bytes.count {
            #expect(throws: BinaryDecodingError.self) { try decode(Array(bytes[..<length])) }
        }
        #expect(throws: BinaryDecodingError.self) { try decode(bytes + [0]) }
        var refused = 0
        for _ in 0..<20_000 {
            let mutated = random.mutateBytes(bytes)
            do {
                let session = try decode(mutated)
                #expect(try decode(encode(session)) == session)
            } catch {
                refused += 1
                #expect(!error.reason.isEmpty && error.offset >= 0 && error.offset <= mutated.count)
            }
        }
        #expect(refused > 1_000)
    }

    @Test("corruption errors say what is wrong and where")
    func errorMessages() {
        func reason(_ bytes: [UInt8]) -> String {
            do { _ = try decode(bytes); return "decoded" } catch { return error.description }
        }
        // Version 1, no lines, then a presentation count of 2^40.
        #expect(reason([2, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]) == "at byte 2: presentation count: 1099511627776 is more than 100000")
        #expect(reason([2, 1, 1]) == "at byte 2: cart lineId: refers to string 0, but only 0 came before")
        #expect(reason([2, 1, 4, 0xFF, 0xFE, 2]) == "at byte 3: cart lineId: not valid UTF-8")
        #expect(reason([2, 1, 2, 0x61, 2, 1, 0x80]) == "at byte 6: presentation flags: unknown bits 128")
        #expect(reason([2, 1, 2, 0x61, 0x7F]) == "at byte 4: cart line quantity: -64 is outside 0...1000000")
        #expect(reason([2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]) == "at byte 1: cart line count: number too large")
        #expect(reason([2]) == "at byte 1: cart line count: unexpected end of data")
    }

    // MARK: generators

    func randomSession(using random: inout SplitMix64) -> CartSession {
        func text(_ maxLength: Int = 12) -> String {
            let alphabet = Array("abcXYZ019-_ é€😀")
            return String((0..<random.next(upperBound: maxLength + 1)).map { _ in alphabet[random.next(upperBound: alphabet.count)] })
        }
        func time() -> EventTime {
            let ms = Self.base.millisecondsSinceEpoch + Int64(random.next(upperBound: 20_000_000)) - 10_000_000
            return EventTime(millisecondsSinceEpoch: random.next(upperBound: 2) == 0 ? ms / 1000 * 1000 : ms)
        }
        func amount() -> DecimalAmount {
            let mantissa = Int128(Int64(bitPattern: random.next()) % 1_000_000_000_000)
            return DecimalAmount(mantissa: random.next(upperBound: 4) == 0 ? mantissa : mantissa.magnitude == 0 ? 0 : Int128(mantissa.magnitude),
                                 scale: random.next(upperBound: DecimalAmount.maximumScale + 1))
        }
        let lineIds = (0..<random.next(upperBound: 9)).map { "l\($0)" + text(3) }
        let cart = CartSnapshot(version: Int64(bitPattern: random.next()) >> random.next(upperBound: 64),
                                lines: lineIds.map { .init(lineId: $0, quantity: 1 + random.next(upperBound: CartLine.maximumQuantity)) })
        var session = CartSession(cart: cart)
        let offerIds = (0..<1 + random.next(upperBound: 6)).map { "offer-\($0)" + text(4) }
        for index in 0..<random.next(upperBound: 12) {
            let offerId = offerIds[random.next(upperBound: offerIds.count)]
            let presentationId = random.next(upperBound: 5) == 0
                ? "p\(index)" + text()
                : EventID.presentation(cartId: "cart", offerId: offerId, cartEventId: "e\(index)")
            let presentedAt = time()
            let items = (0..<random.next(upperBound: 4)).map { _ in
                Presentation.Item(productId: text(), variantId: text(), quantity: random.next(upperBound: 1000), unitPrice: amount(),
                                  compareAtPrice: random.next(upperBound: 2) == 0 ? nil : amount(),
                                  matchesTriggerQuantity: random.next(upperBound: 3) == 0)
            }
            session.presentations[presentationId] = Presentation(
                presentationId: presentationId, offerId: offerId, offerKind: random.next(upperBound: 2) == 0 ? .upsell : .crossSell,
                triggerLineIds: (0..<random.next(upperBound: 4)).map { _ in lineIds.randomElement(using: &random) ?? text() },
                triggerSignature: random.next(), items: items, presentedAt: presentedAt,
                expiresAt: presentedAt.adding(seconds: random.next(upperBound: 86_400)), isAccepted: random.next(upperBound: 4) == 0)
        }
        for offerId in offerIds where random.next(upperBound: 3) == 0 { session.presentationCounts[offerId] = random.next(upperBound: 50) }
        for offerId in offerIds where random.next(upperBound: 3) == 0 { session.declinedOffers[offerId] = time() }
        return session
    }

    /// Six lines, and `count` presentations from four cart versions 10:00–10:20: offers
    /// re-presented after a trigger change repeat their offer and item ids; every third is
    /// an upsell with a list price.
    func realisticSession(presentations count: Int) -> CartSession {
        let lines = (1...6).map { CartSnapshot.Line(lineId: "line-0\($0)", quantity: $0 % 3 + 1) }
        var session = CartSession(cart: CartSnapshot(version: 4, lines: lines))
        let versionMinutes = [0, 5, 12, 20]
        for index in 0..<count {
            let offer = index % 6
            let presentedAt = Build.time(versionMinutes[index / 3 % 4])
            let upsell = offer % 3 == 0
            let id = EventID.presentation(cartId: "cart-18342", offerId: "offer-0\(offer)", cartEventId: "evt-\(index)")
            session.presentations[id] = Presentation(
                presentationId: id, offerId: "offer-0\(40 + offer)", offerKind: upsell ? .upsell : .crossSell,
                triggerLineIds: upsell ? ["line-0\(offer + 1)"] : ["line-0\(offer + 1)", "line-06"],
                triggerSignature: Presentation.triggerSignature(legacy: "\(index)"),
                items: [Presentation.Item(productId: "prod-47\(offer)1", variantId: "prod-47\(offer)1-m-blk", quantity: 1,
                                          unitPrice: DecimalAmount("129.90")!, compareAtPrice: upsell ? DecimalAmount("149.90")! : nil,
                                          matchesTriggerQuantity: upsell)],
                presentedAt: presentedAt, expiresAt: presentedAt.adding(seconds: 1800), isAccepted: index == 1)
        }
        session.presentationCounts["offer-040"] = 2
        session.declinedOffers["offer-042"] = Build.time(14)
        return session
    }

    @Test("a repeated shared string is a back-reference to its first index, past a record's first few dozen strings too")
    func sharedStringBackReferences() throws {
        var writer = BinaryWriter()
        let strings = (0..<80).map { "line-\($0)" }
        for string in strings { writer.writeSharedString(string) }
        let fresh = writer.bytes.count
        for string in strings.reversed() { writer.writeSharedString(string) }
        // 79 down to 64 take two bytes (index << 1 | 1 ≥ 128), the rest one.
        #expect(writer.bytes.count - fresh == 16 * 2 + 64)
        #expect(Array(writer.bytes[fresh..<fresh + 2]) == [UInt8(79 << 1 | 1) & 0x7F | 0x80, UInt8((79 << 1 | 1) >> 7)])
        var reader = BinaryReader(writer.bytes, offset: 0)
        for string in strings + strings.reversed() { #expect(try reader.readSharedString("s") == string) }
        #expect(reader.isAtEnd)
    }
}
