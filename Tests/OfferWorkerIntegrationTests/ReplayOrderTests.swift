import Kafka
import OfferWorker
import Testing

@Suite("Replay order: partitions interleaved by timestamp, each in its recording order")
struct ReplayOrderTests {
    static func record(_ topic: String, _ partition: Int32, _ offset: Int64, _ timestamp: Int64?) -> ConsumerRecord {
        ConsumerRecord(topic: topic, partition: partition, offset: offset, key: nil, value: nil, timestamp: timestamp)
    }

    /// Three partitions; `cart.updated[0]` has a timestamp going backwards (30 then 20).
    static let a = [record("cart.updated", 0, 0, 10), record("cart.updated", 0, 1, 30), record("cart.updated", 0, 2, 20), record("cart.updated", 0, 3, 50)]
    static let b = [record("offer.accepted", 0, 0, 15), record("offer.accepted", 0, 1, 30), record("offer.accepted", 0, 2, 40)]
    static let c = [record("cart.updated", 1, 7, 30)]
    static let expected = ["cart.updated[0]@0", "offer.accepted[0]@0", "cart.updated[0]@1", "cart.updated[0]@2",
                           "cart.updated[1]@7", "offer.accepted[0]@1", "offer.accepted[0]@2", "cart.updated[0]@3"]

    static func merge(_ arrivals: [ConsumerRecord]) -> [String] {
        var merge = RecordInterleaver(partitions: (a + b + c).map(\.topicPartition))
        var out: [String] = []
        var remaining = Dictionary(grouping: arrivals, by: \.topicPartition).mapValues(\.count)
        for record in arrivals {
            merge.push(record)
            remaining[record.topicPartition]! -= 1
            if remaining[record.topicPartition] == 0 { merge.finish(record.topicPartition) }
            while let next = merge.next() { out.append(ReplayOrder(next).description) }
        }
        #expect(merge.isExhausted)
        return out
    }

    @Test("earliest timestamp first; ties by topic, partition, offset; a partition's own order is kept even against its timestamps")
    func interleaving() {
        #expect(Self.merge(Self.a + Self.b + Self.c) == Self.expected)
    }

    @Test("the order does not depend on how the partitions' records arrive")
    func arrivalIndependent() {
        let roundRobin = (0..<4).flatMap { i in [Self.a, Self.b, Self.c].compactMap { i < $0.count ? $0[i] : nil } }
        #expect(Self.merge(roundRobin) == Self.expected)
        #expect(Self.merge(Self.c + Self.b + Self.a) == Self.expected)
        #expect(Self.merge(Self.b + Self.a + Self.c) == Self.expected)
    }

    @Test("nothing is released while a partition that may still deliver has nothing waiting")
    func waitsForEveryPartition() {
        let x = TopicPartition(topic: "x", partition: 0), y = TopicPartition(topic: "y", partition: 0)
        var merge = RecordInterleaver(partitions: [x, y])
        merge.push(Self.record("x", 0, 0, 10))
        #expect(merge.next() == nil)
        #expect(merge.waitingFor == [y])
        merge.push(Self.record("y", 0, 0, 5))
        #expect(merge.next()?.topic == "y")
        #expect(merge.next() == nil, "y may still deliver something earlier than x's 10")
        merge.finish(y)
        #expect(merge.next()?.topic == "x")
        #expect(!merge.isExhausted)
        merge.finish(x)
        #expect(merge.isExhausted)
    }

    @Test("a record without a timestamp sorts first")
    func missingTimestamp() {
        #expect(ReplayOrder(Self.record("z", 9, 9, nil)) < ReplayOrder(Self.record("a", 0, 0, Int64.min + 1)))
    }

    @Test("the order check accepts a merged sequence and refuses one grouped by partition")
    func orderCheck() {
        func isOrdered(_ records: [ConsumerRecord]) -> Bool {
            var check = ReplayOrder.Check()
            for record in records { check.observe(ReplayOrder(record)) }
            return check.isOrdered
        }
        let all = Self.a + Self.b + Self.c
        let merged = Self.expected.map { name in all.first { ReplayOrder($0).description == name }! }
        #expect(isOrdered(merged))
        #expect(!isOrdered(Self.a + Self.b + Self.c))
        // One partition alone is in order whatever its timestamps.
        #expect(isOrdered(Self.a))
        var check = ReplayOrder.Check()
        for record in Self.b + Self.a { check.observe(ReplayOrder(record)) }
        #expect(check.firstDisorder?.description == "cart.updated[0]@0")
    }
}
