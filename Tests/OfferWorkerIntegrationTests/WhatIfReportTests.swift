import Foundation
import Kafka
@testable import OfferEngine
import OfferWorker
import Testing

/// A recording written by hand and two catalogs, with the report's figures worked out by
/// hand below.
@Suite("What-if reports of a replay over two catalogs")
struct WhatIfReportTests {
    /// The baseline is the fixtures' catalog: pro-upgrade (upsell to a 999.00 phone, needs
    /// phone-std, ttl 30 min), case-bundle (cross-sell of a 29.00 case to carts with a
    /// phone of the `phones` collection, ttl 10 min) and a paused offer.
    static let baseline = try! OfferCatalog(offers: Fixtures.offers)

    /// The candidate: pro-upgrade at 899.00, case-bundle dropped, a new cable-addon
    /// (cross-sell of a 19.90 charger to carts with a USB cable).
    static let candidate = try! OfferCatalog(offers: [
        Fixtures.offer(#"{"offerId":"pro-upgrade","kind":"upsell","status":"active","priority":10,"ttlSeconds":1800,"currency":"EUR","displayCriteria":{"all":[{"cartContains":{"productIds":["phone-std"],"minQuantity":1}},{"not":{"subtotal":{"gte":"5000.00"}}}]},"items":[{"productId":"phone-pro","variantId":"phone-pro-128","quantity":1,"unitPrice":"899.00","compareAtPrice":"1099.00"}]}"#),
        Fixtures.offer(#"{"offerId":"cable-addon","kind":"crossSell","status":"active","priority":3,"ttlSeconds":600,"currency":"EUR","displayCriteria":{"cartContains":{"productIds":["usb-cable"]}},"items":[{"productId":"usb-charger","variantId":"usb-charger-20w","quantity":1,"unitPrice":"19.90"}]}"#),
        Fixtures.offers[2],
    ])

    static func line(_ topic: String, offset: Int64, key: String, json: String, minute: Int) -> RecordingFormat.Line {
        RecordingFormat.Line(topic: topic, partition: 0, offset: offset,
                             timestamp: EventTime(rfc3339: Fixtures.time(minute))!.millisecondsSinceEpoch,
                             key: Array(key.utf8), value: Array(json.utf8))
    }

    static func cart(_ offset: Int64, _ cart: CartUpdated) -> RecordingFormat.Line {
        line("cart.updated", offset: offset, key: cart.cartId, json: String(decoding: Fixtures.codec.encode(cart), as: UTF8.self),
             minute: Int((cart.occurredAt.millisecondsSinceEpoch - Fixtures.recordTimestamp) / 60_000))
    }

    static func presentation(_ cartId: String, _ offerId: String) -> String {
        EventID.presentation(cartId: cartId, offerId: offerId, cartEventId: "evt-\(cartId)-1")
    }

    static func acceptance(_ offset: Int64, cart: String, offer: String, minute: Int) -> RecordingFormat.Line {
        line("offer.accepted", offset: offset, key: cart, json: String(decoding: Fixtures.codec.encode(
            Fixtures.accept(presentation(cart, offer), cart: cart, minute: minute, event: "acc-\(offset)")), as: UTF8.self), minute: minute)
    }

    /// E1–E3 carts; E4 accepts cart-1's pro-upgrade (honoured by both); E5 accepts cart-1's
    /// case-bundle (honoured by the baseline; the candidate never presented it: rejected,
    /// offer unknown); E6 accepts cart-2's pro-upgrade 44 minutes after it was shown
    /// (expired for both); E7 declines cart-3's cable-addon (only the candidate showed it);
    /// E8 is not JSON (a dead letter for both).
    static let recording: [RecordingFormat.Line] = [
        cart(0, Fixtures.cart("cart-1", minute: 0, lines: [Fixtures.phoneLine])),
        cart(1, Fixtures.cart("cart-2", minute: 1, lines: [Fixtures.phoneLine, Fixtures.cableLine])),
        cart(2, Fixtures.cart("cart-3", minute: 2, lines: [Fixtures.cableLine])),
        line("offer.declined", offset: 0, key: "cart-3",
             json: #"{"eventId":"dec-1","cartId":"cart-3","presentationId":"\#(presentation("cart-3", "cable-addon"))","occurredAt":"\#(Fixtures.time(3))"}"#, minute: 3),
        acceptance(0, cart: "cart-1", offer: "pro-upgrade", minute: 5),
        acceptance(1, cart: "cart-1", offer: "case-bundle", minute: 6),
        line("cart.updated", offset: 3, key: "broken", json: "not json", minute: 7),
        acceptance(2, cart: "cart-2", offer: "pro-upgrade", minute: 45),
    ]

    @Test("figures per offer and their differences match the hand-worked numbers, in the JSON report and the table")
    func twoCatalogs() async throws {
        let input = ReplaySupport.temporaryPath("what-if.jsonl")
        let report = ReplaySupport.temporaryPath("what-if.json")
        defer { for path in [input, report] { try? FileManager.default.removeItem(atPath: path) } }
        try ReplaySupport.writeRecording(Self.recording, to: input)

        let result = try await ReplaySupport.replay(.file(input), catalog: Self.candidate) {
            $0.baselineCatalog = Self.baseline
            $0.baselineName = "baseline.json"
            $0.reportFile = report
        }
        let summary = try JSONDecoder().decode(WhatIfSummary.self, from: ReplaySupport.bytes(report))
        #expect(summary == result.summary)
        let replay = summary.replay, baseline = try #require(summary.baseline)
        #expect(replay.inputRecords == 8 && baseline.inputRecords == 8)
        #expect(replay.inputRecordsByTopic == ["cart.updated": 4, "offer.accepted": 3, "offer.declined": 1])
        #expect(replay.deadLetters == 1 && baseline.deadLetters == 1)
        let none = ["cartMismatch": 0, "expired": 0, "outOfStock": 0, "unknownPresentation": 0]
        func money(_ text: String) -> DecimalAmount { DecimalAmount(text)! }

        // Baseline: cart-1 and cart-2 get pro-upgrade and case-bundle, cart-3 nothing.
        let basePro = try #require(baseline.figures(of: "pro-upgrade"))
        #expect(basePro.presentations == 2 && basePro.acceptancesHonoured == 1 && basePro.declines == 0)
        #expect(basePro.rejected == none.merging(["expired": 1]) { $1 })
        #expect(basePro.presentedValue == ["EUR": money("1998.00")])
        let baseCase = try #require(baseline.figures(of: "case-bundle"))
        #expect(baseCase.presentations == 2 && baseCase.acceptancesHonoured == 1 && baseCase.rejected == none)
        #expect(baseCase.presentedValue == ["EUR": money("58.00")])
        #expect(baseline.figures(of: "cable-addon")?.inCatalog == false)
        #expect(baseline.figures(of: "cable-addon")?.presentations == 0)
        #expect(baseline.rejectedWithoutOffer == none)
        #expect(baseline.outputRecordsByTopic == ["offer.presented": 4, "cart.mutation": 2, "offer.rejected": 1, "offer-worker.dlq": 1])

        // Candidate: cart-1 pro-upgrade; cart-2 pro-upgrade and cable-addon; cart-3 cable-addon.
        let newPro = try #require(replay.figures(of: "pro-upgrade"))
        #expect(newPro.presentations == 2 && newPro.acceptancesHonoured == 1 && newPro.rejected == none.merging(["expired": 1]) { $1 })
        #expect(newPro.presentedValue == ["EUR": money("1798.00")])
        let cable = try #require(replay.figures(of: "cable-addon"))
        #expect(cable.presentations == 2 && cable.declines == 1 && cable.acceptancesHonoured == 0)
        #expect(cable.presentedValue == ["EUR": money("39.80")])
        #expect(replay.figures(of: "case-bundle")?.inCatalog == false)
        #expect(replay.figures(of: "case-bundle")?.presentations == 0)
        #expect(replay.rejectedWithoutOffer == none.merging(["unknownPresentation": 1]) { $1 })
        #expect(replay.figures(of: "paused")?.presentations == 0)

        let differences = Dictionary(uniqueKeysWithValues: try #require(summary.differences).map { ($0.offerId, $0) })
        #expect(differences["cable-addon"]?.presentations == 2)
        #expect(differences["cable-addon"]?.declines == 1)
        #expect(differences["cable-addon"]?.presentedValue == ["EUR": money("39.80")])
        #expect(differences["case-bundle"]?.presentations == -2)
        #expect(differences["case-bundle"]?.acceptancesHonoured == -1)
        #expect(differences["case-bundle"]?.presentedValue == ["EUR": money("-58.00")])
        #expect(differences["pro-upgrade"]?.presentations == 0)
        #expect(differences["pro-upgrade"]?.presentedValue == ["EUR": money("-200.00")])
        #expect(differences["pro-upgrade"]?.rejected == none)
        #expect(differences["paused"]?.presentations == 0)

        // Amounts are exact decimal strings in the JSON, never floats.
        let json = String(decoding: try ReplaySupport.bytes(report), as: UTF8.self)
        #expect(json.contains(#""-200.00""#) && json.contains(#""39.80""#))

        let table = result.table
        #expect(table.contains("replay   offers.json: 8 records in (cart.updated 4, offer.accepted 3, offer.declined 1)"), "\(table)")
        #expect(table.contains("baseline baseline.json: 8 records in"), "\(table)")
        let rows = table.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(rows.contains("cable-addon (new) 0 → 2 (+2) 0 → 0 (0) 0 → 0 (0) 0 → 0 (0) 0 → 0 (0) 0 → 1 (+1) EUR 0.00 → 39.80 (+39.80)"), "\(table)")
        #expect(rows.contains("case-bundle (removed) 2 → 0 (-2) 1 → 0 (-1) 0 → 0 (0) 0 → 0 (0) 0 → 0 (0) 0 → 0 (0) EUR 58.00 → 0.00 (-58.00)"), "\(table)")
        #expect(rows.contains("pro-upgrade 2 → 2 (0) 1 → 1 (0) 1 → 1 (0) 0 → 0 (0) 0 → 0 (0) 0 → 0 (0) EUR 1998.00 → 1798.00 (-200.00)"), "\(table)")
        #expect(rows.contains("(no offer) 0 → 0 (0) 0 → 1 (+1) 0 → 0 (0)"), "\(table)")
    }

    @Test("a recording whose lines are not in replay order gives the same outputs and report as one that is")
    func lineOrderDoesNotMatter() async throws {
        let ordered = ReplaySupport.temporaryPath("ordered.jsonl"), grouped = ReplaySupport.temporaryPath("grouped.jsonl")
        let out1 = ReplaySupport.temporaryPath("out1.jsonl"), out2 = ReplaySupport.temporaryPath("out2.jsonl")
        defer { for path in [ordered, grouped, out1, out2] { try? FileManager.default.removeItem(atPath: path) } }
        try ReplaySupport.writeRecording(Self.recording, to: ordered)
        // Grouped by topic, each topic's records in offset order (as a naive export would be).
        try ReplaySupport.writeRecording(Self.recording.sorted { ($0.topic, $0.offset!) < ($1.topic, $1.offset!) }, to: grouped)
        let first = try await ReplaySupport.replay(.file(ordered), catalog: Self.baseline) { $0.outputFile = out1 }
        let second = try await ReplaySupport.replay(.file(grouped), catalog: Self.baseline) { $0.outputFile = out2 }
        #expect(try ReplaySupport.bytes(out1) == ReplaySupport.bytes(out2))
        #expect(first.summary == second.summary)
        #expect(first.outputs == 8)
    }

    @Test("options that cannot run are refused, every problem at once")
    func refusedOptions() async throws {
        var options = Replayer.Options(input: .topics(from: .earliest, to: .latest), configuration: WorkerConfiguration(kafka: KafkaConfiguration()),
                                       catalog: Self.baseline, catalogName: "offers.json")
        options.outputTopicPrefix = ""
        options.stateFromChangelog = true
        #expect(options.problems == [
            "a replay from topics (no --input), --state-from-changelog, --output-topic-prefix needs Kafka: pass --bootstrap-servers or set KAFKA_BOOTSTRAP_SERVERS",
            "--output-topic-prefix must not be empty (to write to the live output topics, pass --write-live-topics)",
        ])
        options.outputTopicPrefix = "replay."
        options.configuration.topics.deadLetter = "replay.offer.presented"
        #expect(options.problems.contains { $0.hasPrefix("--output-topic-prefix 'replay.' names live topics (replay.offer.presented)") })
        options.outputTopicPrefix = "replay."
        options.writeLiveTopics = true
        #expect(options.problems.contains("give --output-topic-prefix or --write-live-topics, not both"))
    }
}
