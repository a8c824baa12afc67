import Foundation
import Kafka
import OfferEngine
import OfferWorker
import Testing

/// The offer catalog changing under a running worker: file reloads, the catalog topic,
/// declines and holdouts.
@Suite("Offer catalog sources, declines and holdouts", .serialized)
struct CatalogTests {
    static let proUpgrade = #"{"offerId":"pro-upgrade","kind":"upsell","status":"active","priority":10,"currency":"EUR","displayCriteria":{"cartContains":{"productIds":["phone-std"]}},"items":[{"productId":"phone-pro","variantId":"phone-pro-128","quantity":1,"unitPrice":"999.00"}]}"#
    static let caseBundle = #"{"offerId":"case-bundle","kind":"crossSell","status":"active","priority":5,"currency":"EUR","displayCriteria":{"cartContains":{"collectionIds":["phones"]}},"items":[{"productId":"phone-case","variantId":"phone-case-black","quantity":1,"unitPrice":"29.00"}]}"#

    /// Sends a phone cart and returns the offers presented to it.
    func presentedOffers(_ harness: WorkerHarness, cart: String, minute: Int = 0) async throws -> [String] {
        try await harness.send([Fixtures.cart(cart, minute: minute, lines: [Fixtures.phoneLine])])
        let deadline = ContinuousClock.now + .seconds(20)
        var offers: [String] = []
        while ContinuousClock.now < deadline {
            let batch = try await harness.drain(for: .milliseconds(500))[harness.topics.offerPresented] ?? []
            offers += try batch.map { try harness.codec.decode(OfferPresented.self, from: $0.value ?? []) }.filter { $0.cartId == cart }.map(\.offerId)
            if !offers.isEmpty { break }
        }
        return offers.sorted()
    }

    /// Sends new carts (`prefix-1`, `prefix-2`, ...) until one is shown `expected`, that is,
    /// until a catalog change has reached the worker, for up to 30 s. Returns what the last
    /// cart was shown.
    func offersOnceChanged(_ harness: WorkerHarness, cartPrefix prefix: String, to expected: [String]) async throws -> [String] {
        try await harness.retry(until: expected) { try await presentedOffers(harness, cart: "\(prefix)-\($0)") }
    }

    @Test("the catalog file is reloaded when it changes; a bad file is refused and the last good catalog stays")
    func fileReload() async throws {
        let file = try CommandLine.temporaryFile(#"{"offers":[\#(Self.proUpgrade)]}"#)
        defer { try? FileManager.default.removeItem(at: file) }
        let harness = try await WorkerHarness(offers: [try Build.offer(Self.proUpgrade)], offersFile: file.path)
        #expect(try await presentedOffers(harness, cart: "before") == ["pro-upgrade"])

        let refusals = harness.logs.count("offer catalog file refused")
        try #"{"offers":[{"offerId":"broken","kind":"upsell"}]}"#.write(to: file, atomically: true, encoding: .utf8)
        #expect(try await harness.logged("offer catalog file refused", moreThan: refusals), "the bad file was not refused")
        #expect(try await presentedOffers(harness, cart: "during-bad-file") == ["pro-upgrade"])

        try #"{"offers":[\#(Self.caseBundle)]}"#.write(to: file, atomically: true, encoding: .utf8)
        #expect(try await offersOnceChanged(harness, cartPrefix: "after", to: ["case-bundle"]) == ["case-bundle"])
        try await harness.stop()
    }

    @Test("offers from a compacted topic: read in full before processing, then updated, deleted, and bad ones refused", arguments: Broker.all)
    func catalogTopic(broker: Broker) async throws {
        let topic = "offers.catalog"
        let harness = try await WorkerHarness(on: broker, offers: [], startWorker: false, catalogTopic: topic) { broker in
            try await broker.createTopic(topic, partitions: 2, config: ["cleanup.policy": "compact"])
        }
        func publish(_ offerId: String, _ json: String?) async throws {
            _ = try await harness.send(records: [ProducerRecord(topic: topic, key: Array(offerId.utf8), value: json.map { Array($0.utf8) })])
        }
        try await publish("pro-upgrade", Self.proUpgrade)
        harness.startWorker()
        #expect(try await presentedOffers(harness, cart: "first") == ["pro-upgrade"])

        try await publish("case-bundle", Self.caseBundle)
        try await publish("bad", #"{"offerId":"bad","kind":"crossSell","status":"active","displayCriteria":{"subtotal":{"gte":"lots"}},"items":[]}"#)
        try await publish("pro-upgrade", nil)
        #expect(try await harness.logged("offer from the catalog topic refused", moreThan: 0), "the bad offer was not refused")
        #expect(try await offersOnceChanged(harness, cartPrefix: "second", to: ["case-bundle"]) == ["case-bundle"])
        try await harness.stop()
    }

    @Test("a declined offer is not shown to that cart again; other carts still see it")
    func decline() async throws {
        let harness = try await WorkerHarness(offers: [try Build.offer(Self.proUpgrade), try Build.offer(Self.caseBundle)])
        #expect(try await presentedOffers(harness, cart: "decliner") == ["case-bundle", "pro-upgrade"])
        let reader = try await KafkaTopicReader(configuration: harness.kafka, topics: [harness.topics.offerPresented])
        let shown = try await reader.read(topic: harness.topics.offerPresented, count: 2).map { try harness.codec.decode(OfferPresented.self, from: $0.value ?? []) }
        await reader.close()
        let upsell = try #require(shown.first { $0.offerId == "pro-upgrade" })
        let decline = OfferDeclined(eventId: "decline-1", cartId: "decliner", presentationId: upsell.presentationId, occurredAt: Fixtures.cart("x", lines: []).occurredAt.adding(seconds: 60))
        let declined = try await harness.send(records: [ProducerRecord(topic: harness.topics.offerDeclined, key: Array("decliner".utf8), value: harness.codec.encode(decline), timestamp: decline.occurredAt.millisecondsSinceEpoch)])
        // Topics are not ordered against each other: let the decline be processed first.
        try await harness.waitUntilCommitted(declined.map { ConsumerRecord(topic: $0.topic, partition: $0.partition, offset: $0.offset, key: nil, value: nil) })

        // The cart changes its trigger line (2 phones): without the decline, pro-upgrade would show again.
        var twoPhones = Fixtures.phoneLine
        twoPhones.3 = 2
        let changed = Fixtures.cart("decliner", version: 2, minute: 2, lines: [twoPhones])
        let sent = try await harness.send(records: [ProducerRecord(
            topic: harness.topics.cartUpdated, key: Array(changed.cartId.utf8), value: harness.codec.encode(changed),
            timestamp: changed.occurredAt.millisecondsSinceEpoch)])
        // Once it is committed its outputs are stored: read until they arrive (a loaded machine
        // may take a while to fetch them), then a second more for anything else it caused.
        try await harness.waitUntilCommitted(sent.map { ConsumerRecord(topic: $0.topic, partition: $0.partition, offset: $0.offset, key: nil, value: nil) })
        func presented(within duration: Duration) async throws -> [OfferPresented] {
            try (try await harness.drain(for: duration)[harness.topics.offerPresented] ?? [])
                .map { try harness.codec.decode(OfferPresented.self, from: $0.value ?? []) }.filter { $0.cartEventId == changed.eventId }
        }
        var offers: [OfferPresented] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while offers.isEmpty, ContinuousClock.now < deadline { offers += try await presented(within: .milliseconds(500)) }
        offers += try await presented(within: .seconds(1))
        #expect(offers.map(\.offerId) == ["case-bundle"], "after the decline: \(offers.map(\.offerId))")
        #expect(try await presentedOffers(harness, cart: "someone-else") == ["case-bundle", "pro-upgrade"])
        try await harness.stop()
    }

    @Test("a holdout splits carts deterministically; presented offers carry the experiment arm")
    func holdout() async throws {
        let offer = try Build.offer(Self.caseBundle.replacingOccurrences(of: #""priority":5,"#, with: #""priority":5,"holdoutPercent":50,"#))
        let harness = try await WorkerHarness(offers: [offer])
        let carts = (0..<40).map { Fixtures.cart("holdout-\($0)", lines: [Fixtures.phoneLine]) }
        try await harness.send(carts)
        let inputs = try await harness.inputs(carts: 40)
        try await harness.waitUntilCommitted(inputs)
        let reconciliation = try Reconciliation(inputs: inputs, offers: [offer])
        try await reconciliation.check(kafka: harness.kafka)
        let treated = reconciliation.expected.count
        #expect(treated > 5 && treated < 35, "about half of 40 carts should be treated, got \(treated)")
        for output in reconciliation.expected.values {
            let presented = try harness.codec.decode(OfferPresented.self, from: output.value ?? [])
            #expect(presented.experimentArm == .treatment)
        }
        try await harness.stop()
    }
}

extension CatalogTests {
    @Test("SIGHUP reloads a YAML catalog file in a worker process")
    func sighupReloadsYAML() async throws {
        let group = try await WorkerGroup(partitions: 2)
        let yaml = FileManager.default.temporaryDirectory.appendingPathComponent("offers-\(UUID()).yaml")
        func writeYAML(offerId: String, variant: String, collection: String) throws {
            try """
            # Offers for the SIGHUP test
            offers:
              - offerId: \(offerId)
                kind: crossSell
                status: active
                currency: EUR
                displayCriteria:
                  cartContains:
                    collectionIds: [\(collection)]
                items:
                  - productId: \(variant)
                    variantId: \(variant)
                    quantity: 1
                    unitPrice: "19.00"
            """.write(to: yaml, atomically: true, encoding: .utf8)
        }
        try writeYAML(offerId: "first-offer", variant: "first-item", collection: "phones")
        defer { try? FileManager.default.removeItem(at: yaml) }
        let worker = try group.startWorker(["--offers-reload-interval", "0"], offers: yaml.path)
        let reader = try await KafkaTopicReader(configuration: group.kafka, topics: [group.topics.offerPresented])
        func offers(for cart: String) async throws -> [String] {
            try await group.send(carts: [Fixtures.cart(cart, lines: [Fixtures.phoneLine])])
            return try await reader.read(topic: group.topics.offerPresented, count: 1).map {
                try Fixtures.codec.decode(OfferPresented.self, from: $0.value ?? []).offerId
            }
        }
        #expect(try await offers(for: "a") == ["first-offer"])
        try writeYAML(offerId: "second-offer", variant: "second-item", collection: "phones")
        try await Task.sleep(for: .seconds(1))
        #expect(try await offers(for: "b") == ["first-offer"], "without SIGHUP (and no polling) the old catalog stays")
        worker.signal(SIGHUP)
        let reloadedBy = ContinuousClock.now + .seconds(30)
        while !worker.log.contains("offer catalog reloaded"), ContinuousClock.now < reloadedBy { try await Task.sleep(for: .milliseconds(100)) }
        #expect(try await offers(for: "c") == ["second-offer"])
        await reader.close()
        #expect(try await worker.stop() == 0)
        #expect(worker.log.contains("offer catalog reloaded") && worker.log.contains("SIGHUP"))
    }
}

enum Build {
    static func offer(_ json: String) throws -> Offer { try EventCodec().decode(Offer.self, from: Array(json.utf8)) }
}
