import Kafka
@testable import OfferEngine
@testable import OfferWorker
import Testing

/// The state store holds a changed cart decoded until the changelog is taken (once per commit
/// interval), so a cart with several events in one interval is decoded and encoded once. What
/// reaches the changelog and what later events read must be what encoding after every event
/// gave. No broker needed.
@Suite("CartStateStore: changed carts held decoded until the changelog is taken")
struct CartStateStoreTests {
    let topics = TopicNames()

    /// The cart a changelog record is keyed by.
    static func cartId(of record: ProducerRecord) -> String {
        String(decoding: record.key ?? [], as: UTF8.self)
    }

    func processor() throws -> EventProcessor {
        var processor = EventProcessor(
            engine: OfferEngine(catalog: try OfferCatalog(offers: Fixtures.offers)), topics: topics, eventSource: "/offer-worker",
            metrics: WorkerMetrics(), codec: EventCodec(limits: EventLimits()))
        processor.maxEventTimeAhead = nil
        processor.maxEventTimeBehind = nil
        return processor
    }

    /// Three versions of one cart, one of another, an acceptance of the first cart's upsell
    /// and a repeated (stale) event, on partition 0.
    func records(_ processor: EventProcessor) -> [ConsumerRecord] {
        let carts = [
            Fixtures.cart("held-a", version: 1, minute: 0, lines: [Fixtures.phoneLine]),
            Fixtures.cart("held-b", version: 1, minute: 0, lines: [Fixtures.cableLine]),
            Fixtures.cart("held-a", version: 2, minute: 1, lines: [Fixtures.phoneLine, Fixtures.cableLine]),
            Fixtures.cart("held-a", version: 3, minute: 2, lines: [Fixtures.phoneLine, Fixtures.cableLine, Fixtures.caseLine]),
            Fixtures.cart("held-a", version: 2, minute: 1, lines: [Fixtures.phoneLine, Fixtures.cableLine]),
        ]
        var offset: Int64 = 0
        func record(_ topic: String, _ key: String, _ value: [UInt8]) -> ConsumerRecord {
            defer { offset += 1 }
            return ConsumerRecord(topic: topic, partition: 0, offset: offset, key: Array(key.utf8), value: value)
        }
        var records = carts.map { record(topics.cartUpdated, $0.cartId, Fixtures.codec.encode($0)) }
        // Accepts what cart A was shown first: its id is the engine's, derived from the input.
        let first = EventID.presentation(cartId: "held-a", offerId: "pro-upgrade", cartEventId: "evt-held-a-1")
        records.insert(record(topics.offerAccepted, "held-a", Fixtures.codec.encode(Fixtures.accept(first, cart: "held-a", minute: 1, event: "acc-a"))), at: 3)
        return records
    }

    @Test("carts changed by several events in one interval: one changelog record each, the bytes encoding after every event gave")
    func heldUntilTaken() throws {
        let processor = try processor()
        let inputs = records(processor)

        // The oracle: the changelog taken after every record, so every state is encoded at once.
        var eager = CartStateStore()
        var eagerOutputs: [ProducerRecord] = []
        var eagerLatest: [String: [UInt8]?] = [:]
        for input in inputs {
            eagerOutputs += processor.process(input, store: &eager)
            for record in eager.takeChangelog(topic: topics.changelog) { eagerLatest[Self.cartId(of: record)] = record.value }
            #expect(eager.decodedCartCount == 0)
        }

        var held = CartStateStore()
        var heldOutputs: [ProducerRecord] = []
        for input in inputs { heldOutputs += processor.process(input, store: &held) }
        // The path under test ran: both carts are held decoded, nothing encoded yet.
        #expect(held.decodedCartCount == 2)
        #expect(held.cart("held-a", partition: 0) == eager.cart("held-a", partition: 0))
        #expect(held.cart("held-a", partition: 0)?.session.cart.version == 3)
        #expect(held.cart("held-a", partition: 0)?.session.presentations.values.contains(where: \.isAccepted) == true)

        let changelog = held.takeChangelog(topic: topics.changelog)
        #expect(held.decodedCartCount == 0)
        #expect(changelog.map { Self.cartId(of: $0) } == ["held-a", "held-b"])
        for record in changelog {
            #expect(eagerLatest[Self.cartId(of: record)] == record.value)
        }
        #expect(changelog.allSatisfy { $0.partition == 0 && $0.timestamp != nil })
        // The same outputs, byte for byte, and a mutation among them.
        #expect(heldOutputs.map(\.value) == eagerOutputs.map(\.value))
        #expect(heldOutputs.contains { $0.topic == topics.cartMutation })
        // Read back from the bytes now: the same state.
        #expect(held.cart("held-a", partition: 0) == eager.cart("held-a", partition: 0))
        #expect(held.takeChangelog(topic: topics.changelog).isEmpty)
    }

    static func stored(_ index: Int) -> StoredCart {
        StoredCart(
            session: CartSession(cart: CartSnapshot(version: Int64(index), lines: [.init(lineId: "line-\(index)", quantity: 1)])),
            lastActivity: EventTime(millisecondsSinceEpoch: 1_795_000_000_000 + Int64(index)))
    }

    @Test("past maximumDecodedCarts the held carts are encoded, still to be taken; every one is read back and taken once")
    func boundedMemory() throws {
        var store = CartStateStore()
        let count = CartStateStore.maximumDecodedCarts + 10
        for index in 0..<count { store.replace("bound-\(index)", partition: Int32(index % 4), with: Self.stored(index)) }
        #expect(store.decodedCartCount <= CartStateStore.maximumDecodedCarts)
        #expect(store.decodedCartCount < count)
        for index in [0, 1, count / 2, count - 1] {
            #expect(store.cart("bound-\(index)", partition: Int32(index % 4)) == Self.stored(index))
        }
        let changelog = store.takeChangelog(topic: topics.changelog)
        #expect(changelog.count == count)
        let byKey = Dictionary(uniqueKeysWithValues: changelog.map { (Self.cartId(of: $0), $0) })
        for index in 0..<count {
            #expect(byKey["bound-\(index)"]?.value == Self.stored(index).encoded())
        }
        #expect(store.decodedCartCount == 0)
    }

    @Test("an evicted, restored or lost cart held decoded leaves nothing decoded behind; the evicted one is a tombstone")
    func forgottenWhileHeld() throws {
        var store = CartStateStore()
        store.replace("old", partition: 0, with: Self.stored(1))
        store.replace("kept", partition: 1, with: Self.stored(2))
        store.replace("lost", partition: 2, with: Self.stored(3))
        #expect(store.decodedCartCount == 3)
        // A day of event time later on partition 0: "old" is idle.
        store.observe(EventTime(millisecondsSinceEpoch: 1_795_000_000_000 + 2 * 86_400_000), partition: 0)
        #expect(store.evictIdleCarts(partition: 0, idleSeconds: 86_400) == 1)
        #expect(store.decodedCartCount == 2)
        #expect(store.cart("old", partition: 0) == nil)
        store.restore(partition: 1, carts: [:], changelogEnd: 0)
        store.removePartitions([2])
        #expect(store.decodedCartCount == 0)
        let changelog = store.takeChangelog(topic: topics.changelog)
        #expect(changelog.map { Self.cartId(of: $0) } == ["old"])
        #expect(changelog.first?.value == nil)
    }
}
