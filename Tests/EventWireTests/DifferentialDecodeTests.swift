import Foundation
import OfferEngine
import Testing
@testable import EventWire

/// WireCodec against the reference, `EventCodec` (Foundation's JSONDecoder): on generated,
/// re-spelled, mutated and junk inputs, both must accept the same events with equal
/// values, and refuse the same ones with the same reason.
@Suite("WireCodec decodes exactly as EventCodec")
struct DifferentialDecodeTests {
    static let limits = EventLimits(maxBytes: 8_192, maxLines: 6)
    /// Cases per chunk; the chunks run in parallel.
    static let casesPerChunk = 125_000
    static let chunks = 0..<8

    @Test("1,000,000 generated and mutated events of the three input types: same verdict, value and reason", arguments: chunks)
    func fuzz(chunk: Int) async {
        let reference = EventCodec(limits: Self.limits)
        let wire = WireCodec(limits: Self.limits)
        // The worker's codec keeps repeated arrays and dictionaries across documents: it must
        // give exactly what reading afresh gives, case for case.
        let interner = WireInterner()
        let interning = WireCodec(limits: Self.limits, interner: interner)
        var internedDifferences: [String] = []
        var generator = InputGenerator(seed: 0x5EED_2026 &+ UInt64(chunk) &* 0x1_0000_0001)
        var tally = Tally()
        var cases = 0
        var round = 0
        var bytes = 0
        while cases < Self.casesPerChunk {
            if round % 64 == 0 { await Task.yield() }  // other suites share the cooperative threads
            // Each generated document is tried as written and in four broken variants.
            let kind = round % 4 < 2 ? 0 : round % 4 - 1  // carts, carts, acceptances, declines
            round += 1
            let document = Self.document(kind: kind, &generator)
            for variant in 0..<5 where cases < Self.casesPerChunk {
                let input = variant == 0 ? document : Self.variant(of: document, &generator)
                if Self.crashesFoundation(input) {
                    tally.skipped += 1
                    continue
                }
                cases += 1
                bytes += input.count
                switch kind {
                case 0:
                    let fresh = input.withUnsafeBytes(wire.cartUpdated)
                    tally.compare(input, reference: { () throws(EventDecodingError) in try reference.decodeValidated(CartUpdated.self, from: input) },
                                  wire: fresh)
                    let interned = input.withUnsafeBytes(interning.cartUpdated)
                    if !Self.same(fresh, interned) {
                        internedDifferences.append("\(String(decoding: input, as: UTF8.self)): \(fresh) vs interned \(interned)")
                    }
                case 1:
                    tally.compare(input, reference: { () throws(EventDecodingError) in try reference.decodeValidated(OfferAccepted.self, from: input) },
                                  wire: input.withUnsafeBytes(wire.offerAccepted))
                default:
                    tally.compare(input, reference: { () throws(EventDecodingError) in try reference.decodeValidated(OfferDeclined.self, from: input) },
                                  wire: input.withUnsafeBytes(wire.offerDeclined))
                }
            }
        }
        let reused = interner.reusedValues
        print("chunk \(chunk): \(cases) cases compared, \(tally.decoded) decoded alike, \(tally.refused) refused alike, \(tally.skipped) skipped, \(tally.mismatchCount) differ, \(bytes / cases) bytes on average; interning reused \(reused) values, \(internedDifferences.count) differ")
        for difference in internedDifferences.prefix(5) { Issue.record(Comment(rawValue: difference)) }
        #expect(internedDifferences.isEmpty)
        // Values must actually have been reused for the comparison to mean anything.
        #expect(reused > Self.casesPerChunk / 10, "only \(reused) values reused")
        for mismatch in tally.mismatches.prefix(10) { Issue.record(Comment(rawValue: mismatch)) }
        #expect(tally.mismatchCount == 0, "\(tally.mismatchCount) of \(Self.casesPerChunk) differ")
        // The cases must exercise both verdicts and many kinds of refusal.
        #expect(tally.decoded > Self.casesPerChunk / 15, "only \(tally.decoded) decoded")
        #expect(tally.refused > Self.casesPerChunk / 3, "only \(tally.refused) refused")
        #expect(tally.reasonKinds.count > 40, "only \(tally.reasonKinds.count) kinds of reason: \(tally.reasonKinds.sorted())")
        #expect(tally.decoded + tally.refused + tally.mismatchCount == Self.casesPerChunk)
        #expect(tally.skipped < Self.casesPerChunk / 1000)
    }

    /// The same event, or the same failure with the same alternatives.
    static func same(_ a: Result<CartUpdated, WireFailure>, _ b: Result<CartUpdated, WireFailure>) -> Bool {
        switch (a, b) {
        case (.success(let a), .success(let b)): return a == b
        case (.failure(let a), .failure(let b)): return a.reason == b.reason && a.alternatives.map(\.reason) == b.alternatives.map(\.reason)
        default: return false
        }
    }

    /// Foundation's scanner traps (a precondition in `JSONError.SourceLocation`) when the
    /// `[` that opens a 513th level is the document's last byte: `EventCodec` crashes on
    /// such input, so it cannot be a reference for it (WireCodec refuses it as not valid
    /// JSON; see `WireRefusalTests`). Such inputs, and any that might be, are skipped.
    static func crashesFoundation(_ input: [UInt8]) -> Bool {
        guard let last = input.last(where: { $0 != 0 }), last == UInt8(ascii: "[") else { return false }
        return input.count { $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "{") } >= WireReader.maximumDepth
    }

    /// A generated document, written with random spelling.
    static func document(kind: Int, _ generator: inout InputGenerator) -> [UInt8] {
        let document = kind == 0 ? generator.cart() : generator.response()
        let scribe = JSONScribe(random: &generator.random)
        return scribe.write(document, random: &generator.random)
    }

    /// The document broken, or junk.
    static func variant(of document: [UInt8], _ generator: inout InputGenerator) -> [UInt8] {
        switch generator.random.next(40) {
        case 0..<21: return Mutator.bytes(document, &generator.random)
        case 21..<30: return Mutator.token(document, &generator)
        case 30: return Mutator.structure(document, &generator.random)
        case 31..<34: return Mutator.encoding(document, &generator.random)
        case 34..<37: return generator.random.bytes(count: generator.random.next(48))
        default: return (0..<generator.random.next(24)).map { _ in generator.random.pick(Mutator.jsonBytes) }
        }
    }
}

/// Verdicts compared so far.
struct Tally {
    var decoded = 0
    var refused = 0
    var reasonKinds = Set<String>()
    var mismatchCount = 0
    var skipped = 0
    var mismatches: [String] = []

    mutating func compare<Event: Equatable>(
        _ input: [UInt8], reference: () throws(EventDecodingError) -> Event, wire: Result<Event, WireFailure>
    ) {
        let expected: Result<Event, EventDecodingError> = Result(catching: reference)
        switch (expected, wire) {
        case (.success(let reference), .success(let value)):
            if reference == value {
                decoded += 1
                return
            }
            record(input, "decoded differently:\n  EventCodec: \(reference)\n  WireCodec:  \(value)")
        case (.failure(let reference), .failure(let failure)):
            if Self.sameReason(reference.reason, failure) {
                refused += 1
                if refused % 8 == 0 { reasonKinds.insert(Self.kind(of: reference.reason)) }
                return
            }
            record(input, "refused differently:\n  EventCodec: \(reference.reason)\n  WireCodec:  \(failure.reason)")
        case (.success(let reference), .failure(let failure)):
            record(input, "EventCodec decoded \(reference)\n  WireCodec refused: \(failure.reason)")
        case (.failure(let reference), .success(let value)):
            record(input, "EventCodec refused: \(reference.reason)\n  WireCodec decoded \(value)")
        }
    }

    /// The same reason, except for (1) Foundation's detail after "not valid JSON" and
    /// (2) which of several failing `attributes` values is named: Foundation picks by its
    /// randomly seeded hash order, so any of them is right.
    static func sameReason(_ reference: String, _ failure: WireFailure) -> Bool {
        let expected = reference.hasPrefix("not valid JSON") ? "not valid JSON" : reference
        return failure.reason == expected || failure.alternatives.contains { $0.reason == expected }
    }

    /// `lines[].quantity: must be at least`: the reason without indices, values and quotes.
    static func kind(of reason: String) -> String {
        var kind = ""
        var skipping = false
        for character in reason {
            if character == "[" || character == "'" || character == "(" { skipping = true }
            if !skipping, !character.isNumber { kind.append(character) }
            if character == "]" || character == ")" { skipping = false }
        }
        return String(kind.prefix(60))
    }

    private mutating func record(_ input: [UInt8], _ description: String) {
        mismatchCount += 1
        if mismatches.count < 10 {
            mismatches.append("\(description)\n  input (\(input.count) bytes): \(String(reflecting: String(decoding: input, as: UTF8.self)))\n  bytes: \(input.prefix(64).map { String($0, radix: 16) })")
        }
    }
}
