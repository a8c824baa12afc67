import Foundation
import Testing
@testable import OfferEngine

/// Drives the input decoders with random and mutated events: each one is either decoded
/// into an event the engine can use or refused with a reason, and never crashes.
@Suite("Decoder fuzzing")
struct DecoderFuzzTests {
    static let validCart = #"{"eventId":"e1","cartId":"c1","version":3,"occurredAt":"2026-11-24T10:00:00Z","currency":"EUR","customer":{"id":"u","tags":["vip"],"country":"DE","ordersCount":2},"lines":[{"lineId":"l1","productId":"phone-std","variantId":"phone-std-64","quantity":1,"unitPrice":"799.00","collectionIds":["phones"],"tags":["electronics"]},{"lineId":"l2","productId":"usb-cable","variantId":"usb-cable-1m","quantity":2,"unitPrice":"9.50"}],"subtotal":"818.00","attributes":{"channel":"web"}}"#
    static let validAcceptance = #"{"eventId":"a1","cartId":"c1","presentationId":"0eeb5491-6ca8-86bb-8009-a466cbfe52f2","occurredAt":"2026-11-24T10:05:00Z"}"#

    @Test("100,000 random and mutated cart and acceptance events: decoded and usable, or refused with a reason")
    func fuzz() async throws {
        var random = SplitMix64(seed: 0x0FFE_2026)
        let codec = EventCodec(limits: EventLimits(maxBytes: 16_384, maxLines: 50))
        let engine = OfferEngine(catalog: try OfferCatalog(offers: [Build.offer(Build.proUpgrade), Build.offer(Build.caseBundle)]))
        let seeds = [Array(Self.validCart.utf8), Array(Self.validAcceptance.utf8)]
        var decoded = 0, refused = 0
        var reasons = Set<String>()
        for round in 0..<100_000 {
            if round % 256 == 0 { await Task.yield() }  // other suites share the cooperative threads
            let seed = seeds[round % 2]
            let input: [UInt8] = switch random.next(upperBound: 10) {
            case 0: random.bytes(count: Int(random.next(upperBound: 64)))
            case 1...4: random.mutateBytes(seed)
            default: random.mutateStructure(seed)
            }
            do {
                if round % 2 == 0 {
                    let cart = try codec.decodeValidated(CartUpdated.self, from: input)
                    #expect(cart.lines.allSatisfy { $0.quantity >= 1 && !$0.unitPrice.isNegative && !$0.lineId.isEmpty })
                    #expect(!cart.effectiveSubtotal.isNegative)
                    var session: CartSession?
                    _ = engine.cartUpdated(cart, session: &session)
                    _ = engine.offerAccepted(OfferAccepted(eventId: "x", cartId: cart.cartId, presentationId: "p", occurredAt: cart.occurredAt), key: cart.cartId, session: &session)
                } else {
                    let acceptance = try codec.decodeValidated(OfferAccepted.self, from: input)
                    #expect(!acceptance.presentationId.isEmpty)
                    var session: CartSession?
                    _ = engine.offerAccepted(acceptance, key: acceptance.cartId, session: &session)
                }
                decoded += 1
            } catch {
                #expect(!error.reason.isEmpty)
                reasons.insert(String(error.reason.prefix(while: { $0 != ":" })))
                refused += 1
            }
        }
        #expect(decoded + refused == 100_000)
        // The mutations must exercise both paths, and many distinct refusals.
        #expect(decoded > 5_000, "only \(decoded) decoded")
        #expect(refused > 50_000, "only \(refused) refused")
        #expect(reasons.count > 20, "only \(reasons.count) kinds of reason: \(reasons.sorted())")
    }

    @Test("10,000 mutated catalogs: loaded or refused with problems, never a crash")
    func fuzzCatalog() async {
        var random = SplitMix64(seed: 42)
        let seed = Array(#"{"offers":[\#(Build.proUpgrade),\#(Build.caseBundle)]}"#.utf8)
        var loaded = 0
        for round in 0..<10_000 {
            if round % 256 == 0 { await Task.yield() }  // other suites share the cooperative threads
            let input = random.next(upperBound: 2) == 0 ? random.mutateBytes(seed) : random.mutateStructure(seed)
            do {
                let catalog = try OfferCatalog.load(json: Data(input))
                var session: CartSession?
                _ = OfferEngine(catalog: catalog).cartUpdated(Build.cart([Build.line("l1", product: "phone-std", collections: ["phones"])]), session: &session)
                loaded += 1
            } catch {
                #expect(!error.problems.isEmpty && error.problems.allSatisfy { !$0.isEmpty })
            }
        }
        #expect(loaded > 100)
    }
}

/// A small, seeded generator: the same seed gives the same cases on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(upperBound: Int) -> Int { Int(next(upperBound: UInt64(upperBound))) }

    mutating func bytes(count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }

    static let jsonBytes = Array("{}[]\",:-0123456789.eE\\ntrufalsn".utf8)

    /// Flips, inserts, deletes, duplicates or truncates bytes.
    mutating func mutateBytes(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0...next(upperBound: 4) {
            guard !bytes.isEmpty else { break }
            let at = next(upperBound: bytes.count)
            switch next(upperBound: 6) {
            case 0: bytes[at] ^= UInt8(1 << next(upperBound: 8))
            case 1: bytes.insert(Self.jsonBytes[next(upperBound: Self.jsonBytes.count)], at: at)
            case 2: bytes.remove(at: at)
            case 3: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + next(upperBound: 16))], at: at)
            case 4: bytes.removeSubrange(at...)
            default: bytes[at] = UInt8(truncatingIfNeeded: next())
            }
        }
        return bytes
    }

    /// Replaces, removes or adds a value somewhere in the JSON tree.
    mutating func mutateStructure(_ input: [UInt8]) -> [UInt8] {
        guard var tree = try? JSONSerialization.jsonObject(with: Data(input)) else { return input }
        for _ in 0...next(upperBound: 2) { tree = mutate(tree, depth: 0) }
        return (try? JSONSerialization.data(withJSONObject: tree, options: [.fragmentsAllowed])).map(Array.init) ?? input
    }

    private mutating func mutate(_ value: Any, depth: Int) -> Any {
        if var object = value as? [String: Any], !object.isEmpty {
            let keys = object.keys.sorted()
            let key = keys[next(upperBound: keys.count)]
            switch next(upperBound: 8) {
            case 0: object.removeValue(forKey: key)
            case 1: object["extra\(next(upperBound: 3))"] = randomValue(depth: depth)
            case 2: object[key] = randomValue(depth: depth)
            default: object[key] = mutate(object[key]!, depth: depth + 1)
            }
            return object
        }
        if var array = value as? [Any] {
            switch next(upperBound: 6) {
            case 0 where !array.isEmpty: array.remove(at: next(upperBound: array.count))
            case 1 where !array.isEmpty: array.append(array[next(upperBound: array.count)])
            case 2: array.append(randomValue(depth: depth))
            default:
                if !array.isEmpty {
                    let at = next(upperBound: array.count)
                    array[at] = mutate(array[at], depth: depth + 1)
                }
            }
            return array
        }
        return next(upperBound: 3) == 0 ? value : randomValue(depth: depth)
    }

    private mutating func randomValue(depth: Int) -> Any {
        switch next(upperBound: depth > 3 ? 9 : 11) {
        case 0: return NSNull()
        case 1: return next(upperBound: 2) == 0
        case 2: return [0, 1, -1, 2, Int.max, Int.min, 1_000_001, 999_999_999_999][next(upperBound: 8)]
        case 3: return [0.5, -0.0, 1e300, 9.5][next(upperBound: 4)]
        case 4: return ["", "0", "-1", "9.50", "1e3", "NaN", "EUR", "eur", "2026-02-30T00:00:00Z", "2026-11-24T10:00:00+14:00"][next(upperBound: 10)]
        case 5: return String(repeating: "9", count: next(upperBound: 40))
        case 6: return "99999999999999999999.999"
        case 7: return String(decoding: bytes(count: next(upperBound: 8)).map { $0 & 0x7F }, as: UTF8.self)
        case 8: return "\u{0000}é\u{FFFF}🛒"
        case 9: return (0..<next(upperBound: 3)).map { _ in randomValue(depth: depth + 1) }
        default: return ["k\(next(upperBound: 2))": randomValue(depth: depth + 1)]
        }
    }
}
