import Foundation
import Kafka
import OfferEngine
import OfferWorker

/// A seeded generator of hostile input for the soak test: valid carts and acceptances of
/// real presentations, with junk interleaved (bad bytes, bad JSON, wrong types, wrong keys,
/// implausible event times, records from 0 bytes to 2 MB).
///
/// Every valid event's time lies within 21 hours of event time, under the default
/// `--cart-idle-seconds` (a day): no cart is idle long enough to be forgotten, so whether a
/// cart keeps its state does not depend on how the worker happens to batch.
struct SoakWorkload {
    /// SplitMix64: small, fast, and the same sequence on every machine.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    var random: Generator
    let topics: TopicNames
    let base = EventTime(rfc3339: Fixtures.time(0))!
    /// The carts the workload uses (random keys from this pool, and some outside it).
    let cartIds: [String]
    private var versions: [String: Int] = [:]
    private var serial = 0

    init(seed: UInt64, carts: Int, topics: TopicNames) {
        random = Generator(state: seed)
        self.topics = topics
        cartIds = (0..<carts).map { "soak-\($0)" }
    }

    // MARK: Carts

    /// `count` records for `cart.updated`, with `large` (64 KB to 983 KB) and `huge` (1 to
    /// 2 MB) ones at random places, half of them valid carts.
    mutating func carts(count: Int, large: Int, huge: Int) -> [ProducerRecord] {
        var records = (0..<count - large - huge).map { _ in cart() }
        for index in 0..<(large + huge) {
            let size = index < large ? Int.random(in: 65_536...983_000, using: &random) : Int.random(in: 1_048_576...2_097_152, using: &random)
            let record = index % 2 == 0 ? validCart(noteBytes: size) : junk(topic: topics.cartUpdated, bytes: size)
            records.insert(record, at: Int.random(in: 0...records.count, using: &random))
        }
        return records
    }

    private mutating func cart() -> ProducerRecord {
        let roll = Int.random(in: 0..<1000, using: &random)
        switch roll {
        case 0..<620: return validCart()
        case 620..<640: return validCart(noteBytes: Int.random(in: 1024...65_536, using: &random))
        case 640..<700: return staleCart()
        default: return badCart()
        }
    }

    private mutating func nextEventId(_ prefix: String) -> String {
        serial += 1
        return "\(prefix)-\(serial)"
    }

    /// An event time in the workload's window, and a record timestamp within half an hour of it.
    private mutating func times() -> (String, Int64) {
        let time = base.adding(seconds: Int.random(in: 0..<72_000, using: &random))
        return (time.description, time.millisecondsSinceEpoch + Int64.random(in: -1_800_000...1_800_000, using: &random))
    }

    private mutating func linesJSON() -> String {
        let choices = [
            #"{"lineId":"l1","productId":"phone-std","variantId":"phone-std-64","quantity":Q,"unitPrice":"799.00","collectionIds":["phones"]}"#,
            #"{"lineId":"l2","productId":"usb-cable","variantId":"usb-cable-1m","quantity":Q,"unitPrice":"9.50"}"#,
            #"{"lineId":"l3","productId":"phone-case","variantId":"phone-case-black","quantity":Q,"unitPrice":"29.00"}"#,
            #"{"lineId":"l4","productId":"phone-x","variantId":"phone-x-1","quantity":Q,"unitPrice":"499.00","collectionIds":["phones"]}"#,
        ]
        let picked = choices.filter { _ in Bool.random(using: &random) }
        return (picked.isEmpty ? [choices[0]] : picked).map {
            $0.replacingOccurrences(of: "Q", with: "\(Int.random(in: 1...3, using: &random))")
        }.joined(separator: ",")
    }

    private mutating func cartBody(_ cartId: String, version: Int, time: String, currency: String = "EUR", note: String? = nil, lines: String? = nil) -> String {
        let attributes = note.map { #""attributes":{"note":"\#($0)"},"# } ?? ""
        return #"{"eventId":"\#(nextEventId("ce"))","cartId":"\#(cartId)","version":\#(version),"occurredAt":"\#(time)","currency":"\#(currency)",\#(attributes)"lines":[\#(lines ?? linesJSON())]}"#
    }

    private mutating func validCart(noteBytes: Int? = nil) -> ProducerRecord {
        let cartId = cartIds.randomElement(using: &random)!
        let version = versions[cartId, default: 0] + Int.random(in: 1...2, using: &random)
        versions[cartId] = version
        let (time, timestamp) = times()
        let currency = Int.random(in: 0..<20, using: &random) == 0 ? "USD" : "EUR"
        let body = cartBody(cartId, version: version, time: time, currency: currency, note: noteBytes.map { String(repeating: "n", count: $0) })
        return ProducerRecord(topic: topics.cartUpdated, key: Array(cartId.utf8), value: Array(body.utf8), timestamp: timestamp)
    }

    /// A version already seen (a redelivery, or an out-of-order update): changes nothing.
    private mutating func staleCart() -> ProducerRecord {
        let cartId = cartIds.randomElement(using: &random)!
        let (time, timestamp) = times()
        let body = cartBody(cartId, version: Int.random(in: 0...max(0, versions[cartId, default: 0]), using: &random), time: time)
        return ProducerRecord(topic: topics.cartUpdated, key: Array(cartId.utf8), value: Array(body.utf8), timestamp: timestamp)
    }

    private mutating func badCart() -> ProducerRecord {
        let cartId = cartIds.randomElement(using: &random)!
        let (time, timestamp) = times()
        func record(_ body: String, key: String? = cartId, at stamp: Int64 = timestamp) -> ProducerRecord {
            ProducerRecord(topic: topics.cartUpdated, key: key.map { Array($0.utf8) }, value: Array(body.utf8), timestamp: stamp)
        }
        let good = cartBody(cartId, version: 1_000_000 + Int.random(in: 0..<1000, using: &random), time: time)
        switch Int.random(in: 0..<14, using: &random) {
        case 0: return junk(topic: topics.cartUpdated, bytes: Int.random(in: 0...512, using: &random))
        case 1: return record("not json at all \(serial)")
        case 2: return record(String(good.prefix(Int.random(in: 1..<good.count, using: &random))))
        case 3: return record(good.replacingOccurrences(of: #""version":"#, with: #""version":"x"#))
        case 4: return record(good.replacingOccurrences(of: #""currency":"EUR","#, with: ""))
        case 5: return record(good, key: cartIds.randomElement(using: &random)! + "-other")
        case 6: return record(good, key: nil)
        case 7: return ProducerRecord(topic: topics.cartUpdated, key: Array(cartId.utf8), value: [], timestamp: timestamp)
        case 8: return record(cartBody(cartId, version: 2_000_000, time: "9999-12-31T23:59:59Z"), at: base.millisecondsSinceEpoch)
        case 9: return record(cartBody(cartId, version: 2_000_000, time: "1970-01-01T00:00:01Z"), at: base.millisecondsSinceEpoch)
        case 10:
            // Just over an hour from its record's timestamp, either way.
            let skew = Int64(3601 + Int.random(in: 0..<86_400, using: &random)) * (Bool.random(using: &random) ? 1000 : -1000)
            return record(good, at: EventTime(rfc3339: time)!.millisecondsSinceEpoch + skew)
        case 11: return record(good.replacingOccurrences(of: #""version":"#, with: #""schemaVersion":2,"version":"#))
        case 12: return record(good.replacingOccurrences(of: #""799.00""#, with: #""7,99""#).replacingOccurrences(of: #""9.50""#, with: #""-9.50""#)
                                .replacingOccurrences(of: #""29.00""#, with: "29").replacingOccurrences(of: #""499.00""#, with: #""abc""#))
        default:
            let lines = (0..<501).map { #"{"lineId":"x\#($0)","productId":"p","variantId":"v","quantity":1,"unitPrice":"1.00"}"# }.joined(separator: ",")
            return record(cartBody(cartId, version: 3_000_000, time: time, lines: lines))
        }
    }

    /// Random bytes, sometimes not UTF-8, of exactly `bytes` bytes, under a random key.
    private mutating func junk(topic: String, bytes: Int) -> ProducerRecord {
        var value = [UInt8](repeating: 0, count: bytes)
        for index in value.indices { value[index] = UInt8.random(in: 0...255, using: &random) }
        let key: [UInt8]? = Bool.random(using: &random) ? Array(cartIds.randomElement(using: &random)!.utf8) : nil
        return ProducerRecord(topic: topic, key: key, value: value, timestamp: base.millisecondsSinceEpoch)
    }

    // MARK: Acceptances

    /// `count` records for `offer.accepted`: most accept one of `presented` (on time or late,
    /// some twice), the others quote it under the wrong key or cart, quote nothing real, or
    /// are junk.
    mutating func acceptances(count: Int, of presented: [OfferPresented]) -> [ProducerRecord] {
        var accepted: [OfferPresented] = []
        return (0..<count).map { _ in
            let presentation = presented.randomElement(using: &random)!
            let late = presentation.occurredAt.adding(seconds: Int.random(in: 0..<2400, using: &random))
            let timestamp = late.millisecondsSinceEpoch + Int64.random(in: -600_000...600_000, using: &random)
            func record(_ cartId: String, _ presentationId: String, key: String?, time: String = late.description, at stamp: Int64? = nil) -> ProducerRecord {
                let body = #"{"eventId":"\#(nextEventId("ae"))","cartId":"\#(cartId)","presentationId":"\#(presentationId)","occurredAt":"\#(time)"}"#
                return ProducerRecord(topic: topics.offerAccepted, key: key.map { Array($0.utf8) }, value: Array(body.utf8), timestamp: stamp ?? timestamp)
            }
            switch Int.random(in: 0..<1000, using: &random) {
            case 0..<650:
                accepted.append(presentation)
                return record(presentation.cartId, presentation.presentationId, key: presentation.cartId)
            case 650..<750:
                let again = accepted.randomElement(using: &random) ?? presentation
                return record(again.cartId, again.presentationId, key: again.cartId)
            case 750..<800:
                return record(presentation.cartId, presentation.presentationId, key: cartIds.randomElement(using: &random)!)
            case 800..<850:
                let other = cartIds.randomElement(using: &random)!
                return record(other, presentation.presentationId, key: other)
            case 850..<900:
                let cartId = Bool.random(using: &random) ? presentation.cartId : "stranger-\(serial)"
                return record(cartId, "no-such-\(serial)", key: cartId)
            case 900..<925:
                return record(presentation.cartId, presentation.presentationId, key: presentation.cartId, time: "9999-12-31T23:59:59Z", at: late.millisecondsSinceEpoch)
            case 925..<950:
                return record(presentation.cartId, presentation.presentationId, key: presentation.cartId, time: "1970-01-01T00:00:01Z", at: late.millisecondsSinceEpoch)
            case 950..<975:
                let body = #"{"eventId":"\#(nextEventId("ae"))","cartId":"\#(presentation.cartId)","occurredAt":"\#(late)"}"#
                return ProducerRecord(topic: topics.offerAccepted, key: Array(presentation.cartId.utf8), value: Array(body.utf8), timestamp: timestamp)
            default:
                return junk(topic: topics.offerAccepted, bytes: Int.random(in: 0...256, using: &random))
            }
        }
    }
}
