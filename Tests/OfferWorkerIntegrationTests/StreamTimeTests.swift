import Kafka
import OfferEngine
import OfferWorker
import Testing

/// A partition's event time decides which carts are idle. One record must not move it so far
/// that every other cart of the partition is forgotten, even when the record's own timestamp
/// agrees with its far-future event time (a producer that stamps records with event time).
/// Run through `RecordProcessor`, the processing `run` and `replay` share.
@Suite("Stream time: one record cannot make a partition's carts idle")
struct StreamTimeTests {
    /// A `cart.updated` record on partition 0 whose record timestamp is the event's own time.
    static func record(_ cart: CartUpdated, offset: Int64) -> ConsumerRecord {
        ConsumerRecord(
            topic: TopicNames().cartUpdated, partition: 0, offset: offset, key: Array(cart.cartId.utf8),
            value: Fixtures.codec.encode(cart), timestamp: cart.occurredAt.millisecondsSinceEpoch)
    }

    /// The carts whose changelog record is a tombstone after processing `carts` in order.
    static func forgotten(_ carts: [CartUpdated], idleSeconds: Int, maxAhead: Int?) throws -> (forgotten: Set<String>, held: Int) {
        var configuration = WorkerConfiguration(kafka: KafkaConfiguration(), cartIdleSeconds: idleSeconds)
        configuration.maxEventTimeAhead = maxAhead
        var processor = RecordProcessor(catalog: try OfferCatalog(offers: Fixtures.offers), configuration: configuration)
        var outputs: [ProducerRecord] = []
        for (offset, cart) in carts.enumerated() { processor.process(record(cart, offset: Int64(offset)), into: &outputs) }
        let tombstones = processor.takeChangelog().filter { $0.value == nil }.compactMap { $0.key.map { String(decoding: $0, as: UTF8.self) } }
        return (Set(tombstones), processor.cartCount)
    }

    @Test("a cart event in the year 9999, its record stamped the same: the partition's other carts are kept (without the bound, both are forgotten)")
    func farFutureRecordTimestamp() throws {
        var future = Fixtures.cart("far-future", lines: [Fixtures.phoneLine])
        future.occurredAt = EventTime(rfc3339: "9999-12-31T23:59:59Z")!
        let carts = [
            Fixtures.cart("before", minute: 0, lines: [Fixtures.phoneLine]),
            future,
            Fixtures.cart("after", minute: 1, lines: [Fixtures.phoneLine]),
        ]
        let bounded = try Self.forgotten(carts, idleSeconds: 86_400, maxAhead: 3600)
        #expect(bounded.forgotten.isEmpty && bounded.held == 3, "\(bounded)")
        // The same records with no bound: the failure this guards against.
        let unbounded = try Self.forgotten(carts, idleSeconds: 86_400, maxAhead: nil)
        #expect(unbounded.forgotten == ["before", "after"], "\(unbounded)")
    }

    @Test("a partition quiet for hours still forgets its idle carts at its next events")
    func quietPartitionCatchesUp() throws {
        var later = (0..<3).map { Fixtures.cart("later-\($0)", minute: $0, lines: [Fixtures.phoneLine]) }
        for index in later.indices { later[index].occurredAt = later[index].occurredAt.adding(seconds: 5 * 3600) }
        let result = try Self.forgotten([Fixtures.cart("idle", minute: 0, lines: [Fixtures.phoneLine])] + later, idleSeconds: 600, maxAhead: 3600)
        #expect(result.forgotten == ["idle"] && result.held == 3, "\(result)")
    }
}
