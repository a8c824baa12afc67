import Foundation
import Kafka
import OfferEngine
import OfferWorker
import Testing

/// The findings of "no single record can stop the worker or cost other carts their state",
/// reproduced on the embedded broker: each test shows the path it is about ran (a dead
/// letter with its reason, a log line) and that the worker kept going.
@Suite("Poison records: no single record stops the worker or costs other carts their state", .serialized)
struct PoisonRecordTests {
    static let traceparent = KafkaHeader(name: "traceparent", string: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")

    /// A `cart.updated` value: `lines` phone lines (in the `phones` collection, so both
    /// fixture offers trigger on every line), line ids `lineIdPrefix` + index padded to
    /// `lineIdLength` bytes, and a `note` attribute when given.
    static func cartJSON(
        _ cartId: String, version: Int = 1, occurredAt: String = Fixtures.time(0), lines: Int, quantity: Int = 1,
        lineIdPrefix: String = "l", lineIdLength: Int = 0, note: String? = nil
    ) -> [UInt8] {
        var text = #"{"eventId":"evt-\#(cartId)-\#(version)","cartId":"\#(cartId)","version":\#(version),"occurredAt":"\#(occurredAt)","currency":"EUR","#
        if let note { text += #""attributes":{"note":"\#(note)"},"# }
        text += #""lines":["#
        for index in 0..<lines {
            var lineId = "\(lineIdPrefix)\(index)"
            if lineId.utf8.count < lineIdLength { lineId += String(repeating: "-", count: lineIdLength - lineId.utf8.count) }
            if index > 0 { text += "," }
            text += #"{"lineId":"\#(lineId)","productId":"phone-std","variantId":"phone-std-64","quantity":\#(quantity),"unitPrice":"1.00","collectionIds":["phones"]}"#
        }
        text += "]}"
        return Array(text.utf8)
    }

    /// A valid one-line cart padded (in its `note` attribute) to exactly `size` bytes.
    static func cartJSON(_ cartId: String, paddedTo size: Int) -> [UInt8] {
        let bare = cartJSON(cartId, lines: 1, note: "").count
        return cartJSON(cartId, lines: 1, note: String(repeating: "x", count: size - bare))
    }

    static func acceptanceJSON(_ eventId: String, cart: String, presentation: String, at time: String) -> [UInt8] {
        Array(#"{"eventId":"\#(eventId)","cartId":"\#(cart)","presentationId":"\#(presentation)","occurredAt":"\#(time)"}"#.utf8)
    }

    static func header(_ record: ConsumerRecord, _ name: String) -> String? { record.header(name)?.stringValue }

    /// The size librdkafka counts for a record (key, value, headers).
    static func size(_ record: ConsumerRecord) -> Int {
        (record.key?.count ?? 0) + (record.value?.count ?? 0) + record.headers.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) }
    }

    // MARK: Oversized records

    @Test("a 15,000-line (1.5 MB) cart.updated is dead-lettered without its value; the worker, and a restart that reads it again, keep going")
    func oversizedDeadLetter() async throws {
        let group = try await WorkerGroup(partitions: 4)
        let big = try KafkaProducer(configuration: group.kafka.merging(["message.max.bytes": "4000000"]))
        // Nothing is committed for a minute: the restart below reads the poison record again.
        let first = try group.startWorker(["--commit-interval-ms", "60000"])
        try await group.send(carts: [Fixtures.cart("before-poison", lines: [Fixtures.phoneLine])])
        let value = Self.cartJSON("poison", lines: 15_000)
        #expect(value.count > 1_400_000 && value.count < 2_000_000, "\(value.count) bytes")
        // The embedded broker takes it (no broker-side size limit): it has an offset.
        let stored = try await big.send(ProducerRecord(
            topic: group.topics.cartUpdated, key: Array("poison".utf8), value: value, headers: [Self.traceparent], timestamp: Fixtures.recordTimestamp))
        try await group.send(carts: [Fixtures.cart("after-poison", minute: 1, lines: [Fixtures.phoneLine])])

        let reader = try await KafkaTopicReader(configuration: group.kafka, topics: [group.topics.deadLetter, group.topics.offerPresented])
        let letter = try #require(try await reader.read(topic: group.topics.deadLetter, count: 1).first)
        #expect(letter.value == nil || letter.value!.isEmpty, "the value should be omitted, has \(letter.value?.count ?? 0) bytes")
        #expect(Self.header(letter, "dlq_value_omitted") == "true")
        #expect(Self.header(letter, "dlq_original_size") == "\(value.count)")
        #expect(Self.header(letter, "dlq_source_topic") == group.topics.cartUpdated)
        #expect(Self.header(letter, "dlq_source_partition") == "\(stored.partition)")
        #expect(Self.header(letter, "dlq_source_offset") == "\(stored.offset)")
        #expect(Self.header(letter, "ce_id") == EventID.derive("dead-letter", "\(group.topics.cartUpdated)/\(stored.partition)/\(stored.offset)"))
        let reason = try #require(Self.header(letter, "dlq_reason"))
        #expect(reason.contains("over the limit"), "reason: \(reason)")
        #expect(letter.keyString == "poison")
        // The original headers fit and are kept; the traceparent as the dead letter's child span.
        let parent = letter.header("traceparent")?.stringValue
        #expect(parent?.hasPrefix("00-4bf92f3577b34da6a3ce929d0e0e4736-") == true && parent != Self.traceparent.stringValue, "\(parent ?? "no traceparent")")
        #expect(Self.size(letter) < 1_000_000)
        print("oversized dead letter: \(Self.size(letter)) bytes for a \(value.count)-byte input; reason: \(reason)")

        // Carts before and after it are answered by the same, still running, worker.
        let presented = try await reader.read(topic: group.topics.offerPresented, count: 4)
        #expect(Set(presented.compactMap(\.keyString)) == ["before-poison", "after-poison"])
        #expect(first.isRunning, "the worker stopped:\n\(first.log)")

        // A crash before any commit: the restart reads the poison record again.
        first.kill()
        let inputs = try await group.inputs(carts: 3)
        #expect(try await group.committed(inputs).isEmpty, "nothing should be committed yet, so the restart re-reads the record")
        let second = try group.startWorker()
        let again = try #require(try await reader.read(topic: group.topics.deadLetter, count: 1).first)
        #expect(Self.header(again, "ce_id") == Self.header(letter, "ce_id"), "the restart's copy has the same ce_id, so it can be dropped")
        #expect(again.headers == letter.headers)
        try await group.send(carts: [Fixtures.cart("after-restart", minute: 2, lines: [Fixtures.phoneLine])])
        try await group.waitUntilCommitted(try await group.inputs(carts: 4))
        // Its outputs are stored by the time it is committed; a loaded machine may take a while
        // to fetch them (along with the restart's copies of the earlier ones).
        var afterRestart: [ConsumerRecord] = []
        let readDeadline = ContinuousClock.now + .seconds(30)
        while !afterRestart.contains(where: { $0.keyString == "after-restart" }), ContinuousClock.now < readDeadline {
            afterRestart += try await reader.drain(for: .milliseconds(500))[group.topics.offerPresented, default: []]
        }
        #expect(afterRestart.contains { $0.keyString == "after-restart" }, "\(afterRestart.compactMap(\.keyString))")
        #expect(second.isRunning && !second.log.contains("processing stopped on error"), "\(second.log)")
        await reader.close()
        await big.close()
        #expect(try await second.stop() == 0)
    }

    @Test("a valid 980,000-byte cart (just under --max-event-bytes) is processed; one byte over the limit is dead-lettered whole; the worker goes on")
    func largestValidCart() async throws {
        let harness = try await WorkerHarness(offers: Fixtures.offers)
        let largest = Self.cartJSON("largest", paddedTo: 980_000)
        let over = Self.cartJSON("over", paddedTo: EventLimits().maxBytes + 1)
        #expect(largest.count == 980_000 && over.count == 983_041)
        try await harness.sendRaw(topic: harness.topics.cartUpdated, key: "largest", value: largest)
        try await harness.sendRaw(topic: harness.topics.cartUpdated, key: "over", value: over)
        try await harness.send([Fixtures.cart("after-largest", minute: 1, lines: [Fixtures.phoneLine])])

        let presented = try await harness.read(OfferPresented.self, harness.topics.offerPresented, count: 4)
        #expect(presented.filter { $0.cartId == "largest" }.map(\.offerId).sorted() == ["case-bundle", "pro-upgrade"])
        #expect(presented.filter { $0.cartId == "after-largest" }.count == 2)
        let dead = try await harness.read(harness.topics.deadLetter, count: 1)
        #expect(dead[0].keyString == "over")
        #expect(dead[0].value == over, "a dead letter that fits keeps its value")
        #expect(Self.header(dead[0], "dlq_value_omitted") == nil)
        #expect(Self.header(dead[0], "dlq_reason")?.contains("over the limit of 983040") == true, "\(Self.header(dead[0], "dlq_reason") ?? "")")

        // Its state is one line (attributes are not kept), so its changelog record is small.
        try await harness.waitUntilCommitted(try await harness.inputs(carts: 3))
        #expect(harness.worker.isRunning)
        #expect(harness.logs.count("refused by Kafka") == 0, "\(harness.logs.messages)")
        try await harness.stop()
    }

    @Test("a cart whose state would outgrow one changelog record: the event is dead-lettered with the reason, the cart keeps its previous state")
    func stateBound() async throws {
        let harness = try await WorkerHarness(offers: Fixtures.offers)
        // 500 new lines with 256-byte ids a version: each version presents both offers again,
        // and the cart keeps every presentation (unexpired) with its trigger line ids, so the
        // state grows by about 128 KB a version.
        var reports: [DeliveryReport] = []
        for version in 1...10 {
            let value = Self.cartJSON("fat", version: version, occurredAt: Fixtures.time(version), lines: 500, lineIdPrefix: "v\(version)-", lineIdLength: 256)
            #expect(value.count < EventLimits().maxBytes)
            reports += try await harness.send(records: [ProducerRecord(
                topic: harness.topics.cartUpdated, key: Array("fat".utf8), value: value,
                timestamp: EventTime(rfc3339: Fixtures.time(version))!.millisecondsSinceEpoch)])
        }
        try await harness.send([Fixtures.cart("slim", minute: 11, lines: [Fixtures.phoneLine])])
        try await harness.waitUntilCommitted(try await harness.inputs(carts: 11))
        let outputs = try await harness.drain(for: .seconds(1))
        let presented = try outputs[harness.topics.offerPresented, default: []].map { try harness.codec.decode(OfferPresented.self, from: $0.value!) }
        let dead = outputs[harness.topics.deadLetter, default: []]
        let applied = Set(presented.filter { $0.cartId == "fat" }.map(\.cartVersion))
        let refused = dead.compactMap { letter in reports.firstIndex { "\($0.offset)" == Self.header(letter, "dlq_source_offset") && "\($0.partition)" == Self.header(letter, "dlq_source_partition") } }.map { Int64($0 + 1) }
        print("state bound: versions applied \(applied.sorted()), refused \(refused.sorted())")
        #expect(!applied.isEmpty && !refused.isEmpty, "some versions should fit and later ones not")
        #expect(applied.isDisjoint(with: refused) && applied.union(refused) == Set(1...10))
        #expect((applied.max() ?? 0) < (refused.min() ?? 0), "once full, every later version is refused")
        for letter in dead {
            let reason = Self.header(letter, "dlq_reason") ?? ""
            #expect(reason.contains("the cart's state would grow to") && reason.contains("over the limit of 998976"), "\(reason)")
        }
        #expect(presented.contains { $0.cartId == "slim" }, "other carts are unaffected")

        // The previous state is kept: the last applied version's upsell is accepted on it.
        let last = try #require(applied.max())
        let upsell = try #require(presented.first { $0.cartId == "fat" && $0.cartVersion == last && $0.offerKind == .upsell })
        try await harness.send([Fixtures.accept(upsell.presentationId, cart: "fat", minute: 12, event: "accept-fat")])
        let mutation = try await harness.read(CartMutation.self, harness.topics.cartMutation, count: 1)[0]
        #expect(mutation.basedOnCartVersion == last)
        #expect(mutation.operations.filter { if case .removeLine = $0 { true } else { false } }.count == 500)
        #expect(harness.worker.isRunning)
        try await harness.stop()
    }

    // MARK: Limits checked at start-up

    @Test("--max-event-bytes 1000000 with the default message.max.bytes is refused at start-up, saying what to change; the named fix starts")
    func maxEventBytesMustFitMessageMaxBytes() async throws {
        let offers = try CommandLine.temporaryFile(String(decoding: try JSONEncoder().encode(["offers": Fixtures.offers]), as: UTF8.self))
        defer { try? FileManager.default.removeItem(at: offers) }
        let start = ContinuousClock.now
        let (status, text) = try await CommandLine.run(["run", "--bootstrap-servers", "127.0.0.1:9", "--offers", offers.path, "--max-event-bytes", "1000000"])
        #expect(status != 0)
        #expect(text.contains("invalid configuration"), "\(text)")
        #expect(text.contains("--max-event-bytes 1000000 does not fit"), "\(text)")
        #expect(text.contains("message.max.bytes 1000000"), "\(text)")
        #expect(text.contains("lower --max-event-bytes to at most 983616"), "\(text)")
        #expect(text.contains("raise message.max.bytes (-X message.max.bytes=N"), "\(text)")
        #expect(ContinuousClock.now - start < .seconds(10), "refused before connecting to anything")

        // The fix it names: a larger message.max.bytes starts the worker.
        let group = try await WorkerGroup(partitions: 2)
        let worker = try group.startWorker(["--max-event-bytes", "1000000", "-X", "message.max.bytes=1100000"])
        let started = await ScalingTests().eventually(timeout: .seconds(20)) { worker.log.contains("offer worker started: consuming") }
        #expect(started, "\(worker.log)")
        #expect(try await worker.stop() == 0)
    }

    // MARK: Event time

    /// 20 carts presented, then `time` events: cart updates of unknown and known carts, an
    /// acceptance of a known cart's real presentation and acceptances of unknown carts.
    @Test("far-future and far-past event times are dead-lettered with the skew reason; no cart is evicted and every earlier presentation is still accepted",
          arguments: [("9999-12-31T23:59:59Z", "ahead of the record's timestamp, over the limit of 3600 s (--max-event-time-ahead)"),
                      ("1970-01-01T00:00:01Z", "behind the record's timestamp, over the limit of 3600 s (--max-event-time-behind)")])
    func eventTimeSkew(time: String, reason: String) async throws {
        let harness = try await WorkerHarness(offers: Fixtures.offers)
        try await harness.send((0..<20).map { Fixtures.cart("skew-\($0)", lines: [Fixtures.phoneLine, Fixtures.cableLine]) })
        let presented = try await harness.read(OfferPresented.self, harness.topics.offerPresented, count: 40)
        let upsells = presented.filter { $0.offerKind == .upsell }.sorted { $0.cartId < $1.cartId }
        #expect(upsells.count == 20)

        // Every partition gets some: 8 unknown carts, 8 acceptances of unknown carts.
        var odd: [ProducerRecord] = []
        for index in 0..<8 {
            odd.append(ProducerRecord(topic: harness.topics.cartUpdated, key: Array("odd-\(index)".utf8),
                                      value: Self.cartJSON("odd-\(index)", occurredAt: time, lines: 1), timestamp: Fixtures.recordTimestamp))
            odd.append(ProducerRecord(topic: harness.topics.offerAccepted, key: Array("stranger-\(index)".utf8),
                                      value: Self.acceptanceJSON("odd-accept-\(index)", cart: "stranger-\(index)", presentation: "p-\(index)", at: time),
                                      timestamp: Fixtures.recordTimestamp))
        }
        // A known cart's next version and a known cart's real presentation, at that time.
        odd.append(ProducerRecord(topic: harness.topics.cartUpdated, key: Array("skew-0".utf8),
                                  value: Self.cartJSON("skew-0", version: 2, occurredAt: time, lines: 1), timestamp: Fixtures.recordTimestamp))
        odd.append(ProducerRecord(topic: harness.topics.offerAccepted, key: Array(upsells[1].cartId.utf8),
                                  value: Self.acceptanceJSON("odd-accept-known", cart: upsells[1].cartId, presentation: upsells[1].presentationId, at: time),
                                  timestamp: Fixtures.recordTimestamp))
        _ = try await harness.send(records: odd)
        let dead = try await harness.read(harness.topics.deadLetter, count: odd.count)
        for letter in dead {
            #expect(Self.header(letter, "dlq_reason")?.contains(reason) == true, "\(Self.header(letter, "dlq_reason") ?? "no reason")")
            #expect(Self.header(letter, "ce_id") != nil)
        }
        #expect(Set(dead.compactMap { Self.header($0, "dlq_source_topic") }) == [harness.topics.cartUpdated, harness.topics.offerAccepted])

        // Every earlier presentation is still there: 20 mutations, no rejection.
        try await harness.send(upsells.map { Fixtures.accept($0.presentationId, cart: $0.cartId, minute: 5, event: "accept-\($0.cartId)") })
        let mutations = try await harness.read(CartMutation.self, harness.topics.cartMutation, count: 20)
        #expect(Set(mutations.map(\.cartId)) == Set(upsells.map(\.cartId)))
        let extra = try await harness.drain(for: .seconds(1))
        #expect(extra.values.allSatisfy { $0.isEmpty }, "unexpected outputs: \(extra.mapValues { $0.count })")
        try await harness.waitUntilCommitted(try await harness.inputs(carts: 29, acceptances: 29))
        let tombstones = try await Self.tombstones(harness)
        #expect(tombstones.isEmpty, "carts evicted: \(tombstones.sorted())")
        #expect(harness.worker.isRunning)
        try await harness.stop()
    }

    @Test("with --max-event-time-ahead a year, a far-future acceptance of an unknown cart is answered but moves no stream time: no cart is evicted")
    func farFutureAcceptanceWithinALargeSkew() async throws {
        let harness = try await WorkerHarness(offers: Fixtures.offers, configure: { $0.maxEventTimeAhead = 31_622_400 })
        try await harness.send((0..<20).map { Fixtures.cart("near-\($0)", lines: [Fixtures.phoneLine, Fixtures.cableLine]) })
        let presented = try await harness.read(OfferPresented.self, harness.topics.offerPresented, count: 40)
        let upsells = presented.filter { $0.offerKind == .upsell }.sorted { $0.cartId < $1.cartId }

        // 300 days ahead of the record's timestamp: within the limit, so the event is applied.
        let future = EventTime(rfc3339: Fixtures.time(0))!.adding(seconds: 300 * 86_400).description
        _ = try await harness.send(records: (0..<8).map { index in
            ProducerRecord(topic: harness.topics.offerAccepted, key: Array("stranger-\(index)".utf8),
                           value: Self.acceptanceJSON("far-\(index)", cart: "stranger-\(index)", presentation: "p-\(index)", at: future),
                           timestamp: Fixtures.recordTimestamp)
        })
        let rejected = try await harness.read(OfferRejected.self, harness.topics.offerRejected, count: 8)
        #expect(rejected.allSatisfy { $0.reason == .unknownPresentation && $0.occurredAt.description == future }, "\(rejected)")

        try await harness.send(upsells.map { Fixtures.accept($0.presentationId, cart: $0.cartId, minute: 5, event: "accept-\($0.cartId)") })
        let mutations = try await harness.read(CartMutation.self, harness.topics.cartMutation, count: 20)
        #expect(Set(mutations.map(\.cartId)) == Set(upsells.map(\.cartId)))
        try await harness.waitUntilCommitted(try await harness.inputs(carts: 20, acceptances: 28))
        #expect(try await Self.tombstones(harness).isEmpty)

        // The control: a far-future cart update is applied and does move stream time, so
        // the tombstone check above would have seen an eviction.
        _ = try await harness.send(records: (0..<8).map { index in
            ProducerRecord(topic: harness.topics.cartUpdated, key: Array("future-\(index)".utf8),
                           value: Self.cartJSON("future-\(index)", occurredAt: future, lines: 1), timestamp: Fixtures.recordTimestamp)
        })
        try await harness.waitUntilCommitted(try await harness.inputs(carts: 28, acceptances: 28))
        try await Task.sleep(for: .milliseconds(500))
        let evicted = try await Self.tombstones(harness)
        print("control: a far-future cart update evicted \(evicted.count) of the 20 carts")
        #expect(!evicted.isEmpty && evicted.allSatisfy { $0.hasPrefix("near-") })
        try await harness.stop()
    }

    /// The carts whose latest changelog record is a tombstone.
    static func tombstones(_ harness: WorkerHarness) async throws -> Set<String> {
        let changelog = try await KafkaTopicReader.readToEnd(configuration: harness.kafka, topics: [harness.topics.changelog])[harness.topics.changelog] ?? []
        var latest: [String: ConsumerRecord] = [:]
        for record in changelog { latest[record.keyString ?? ""] = record }
        return Set(latest.filter { $0.value.value == nil || $0.value.value!.isEmpty }.keys)
    }
}
