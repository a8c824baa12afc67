import Testing
@testable import OfferEngine

/// Pins the exact bytes of the state format and the exact ids ``EventID`` makes, as
/// fingerprints of many generated values, taken from the implementation before its fast
/// paths: a stored cart must read back, and an id must come out, the same after any
/// speed-up (state records outlive releases; ids are part of the outputs).
@Suite("Golden bytes: state records and derived ids are unchanged")
struct StateBytesGoldenTests {
    /// 64-bit FNV-1a over a stream of byte strings, each followed by its length.
    struct Fingerprint {
        var hash = FNV1a()
        mutating func add(_ bytes: some Sequence<UInt8>) {
            var count = 0
            for byte in bytes { hash.add(byte); count += 1 }
            hash.add(decimal: count)
        }
    }

    /// Presentation ids of every shape the writer tells apart: canonical UUIDs (the
    /// engine's), upper-case or dash-less ones, 36 characters that are not one, and others.
    static func oddPresentationId(_ index: Int, using random: inout SplitMix64) -> String {
        let canonical = EventID.derive("odd", "\(index)")
        switch random.next(upperBound: 7) {
        case 0: return canonical.uppercased()
        case 1: return String(canonical.filter { $0 != "-" })
        case 2: return String(canonical.dropLast()) + "g"
        case 3: return String(canonical.prefix(8)) + "_" + String(canonical.dropFirst(9))
        case 4: return String(canonical.dropLast()) + "é"
        case 5: return canonical + "0"
        default: return canonical
        }
    }

    /// Strings equal as `String`s with different bytes (precomposed and decomposed é, the
    /// Kelvin sign and K, the Greek question mark and ';'), so shared-string back-references
    /// follow `String` equality in every case.
    static let equivalentPairs: [(String, String)] = [
        ("caf\u{E9}", "cafe\u{301}"), ("\u{212A}", "K"), ("a\u{37E}", "a;"), ("line-\u{212A}1", "line-K1"),
    ]

    func session(_ round: Int, using random: inout SplitMix64) -> CartSession {
        var session = CartSessionCodecTests().randomSession(using: &random)
        if round % 3 == 0 {
            // Canonically equivalent line ids, in both orders, and odd presentation ids.
            let pair = Self.equivalentPairs[random.next(upperBound: Self.equivalentPairs.count)]
            let first = random.next(upperBound: 2) == 0 ? pair.0 : pair.1
            let second = first == pair.0 ? pair.1 : pair.0
            session.cart.lines.append(.init(lineId: first, quantity: 1))
            session.cart.lines.append(.init(lineId: second, quantity: 2))
            for index in 0..<random.next(upperBound: 4) {
                let id = Self.oddPresentationId(round * 8 + index, using: &random)
                session.presentations[id] = Presentation(
                    presentationId: id, offerId: second, offerKind: .crossSell, triggerLineIds: [second, first],
                    triggerSignature: random.next(), items: [], presentedAt: CartSessionCodecTests.base,
                    expiresAt: CartSessionCodecTests.base.adding(seconds: 60))
            }
            session.presentationCounts[first] = 1
            session.declinedOffers[second] = CartSessionCodecTests.base
        }
        return session
    }

    @Test("4,000 generated sessions encode to the same bytes as before")
    func stateBytes() async throws {
        var random = SplitMix64(seed: 0x601D_E7)
        var fingerprint = Fingerprint()
        for round in 0..<4_000 {
            if round % 64 == 0 { await Task.yield() }
            let session = session(round, using: &random)
            var writer = BinaryWriter()
            session.encode(into: &writer, relativeTo: CartSessionCodecTests.base)
            fingerprint.add(writer.bytes)
            var reader = BinaryReader(writer.bytes)
            let decoded = try CartSession(from: &reader, relativeTo: CartSessionCodecTests.base)
            #expect(reader.isAtEnd)
            var again = BinaryWriter()
            decoded.encode(into: &again, relativeTo: CartSessionCodecTests.base)
            #expect(again.bytes == writer.bytes)
        }
        #expect(fingerprint.hash.value == Self.stateFingerprint)
    }

    @Test("derived ids, presentation ids, cart tags and buckets are the same as before")
    func eventIds() {
        var random = SplitMix64(seed: 0x1D5)
        var fingerprint = Fingerprint()
        for round in 0..<3_000 {
            let cartId = "cart-\(random.next(upperBound: 100_000))" + (round % 7 == 0 ? "é" : "")
            let offerId = "offer-\(random.next(upperBound: 100))"
            let eventId = String(repeating: "e", count: random.next(upperBound: 90))  // messages across block sizes
            let tag = EventID.cartTag(cartId)
            fingerprint.add(withUnsafeBytes(of: tag.bigEndian) { Array($0) })
            let presentation = EventID.presentation(cartId: cartId, offerId: offerId, cartEventId: eventId)
            fingerprint.add(presentation.utf8)
            fingerprint.add(EventID.derive("offer.presented", presentation).utf8)
            fingerprint.add(EventID.derive(eventId).utf8)
            fingerprint.add(EventID.derive().utf8)
            fingerprint.add(String(EventID.bucket("holdout", cartId, offerId, count: 100 + round)).utf8)
            #expect(!EventID.presentation(presentation, belongsToAnotherCartThan: cartId))
        }
        #expect(fingerprint.hash.value == Self.idFingerprint)
    }

    static let stateFingerprint: UInt64 = 4_704_663_420_184_248_857
    static let idFingerprint: UInt64 = 16_447_081_747_883_167_920
}
