import Kafka
import OfferEngine

/// The per-cart state of the partitions this worker owns, backed by a compacted changelog
/// topic (key cartId, value ``StoredCart``, an empty value deletes the cart).
///
/// Both input topics are keyed by cartId and partitioned alike, so a cart's events all
/// arrive on one partition number; its state is kept under that number and written to the
/// changelog partition of the same number, so it moves with the partition.
struct CartStateStore: Sendable {
    private struct PartitionState: Sendable {
        var carts: [String: StoredCart] = [:]
        /// The latest event time seen on the partition: idle carts are judged against it.
        var streamTime: EventTime?
        /// Carts changed since the last changelog flush.
        var changed: Set<String> = []
    }

    private var partitions: [Int32: PartitionState] = [:]

    init() {}

    /// The stored state of a cart, if any.
    func cart(_ cartId: String, partition: Int32) -> StoredCart? {
        partitions[partition]?.carts[cartId]
    }

    /// Records that the partition's event time has reached `time`.
    mutating func observe(_ time: EventTime, partition: Int32) {
        // In place: copying the partition's state out and back would copy every cart.
        let previous = partitions[partition, default: PartitionState()].streamTime
        partitions[partition, default: PartitionState()].streamTime = max(previous ?? time, time)
    }

    /// Stores a cart's new state; the change goes to the changelog with the next flush.
    mutating func replace(_ cartId: String, partition: Int32, with cart: StoredCart) {
        partitions[partition, default: PartitionState()].carts[cartId] = cart
        partitions[partition, default: PartitionState()].changed.insert(cartId)
    }

    /// The partitions whose state is held.
    var ownedPartitions: Set<Int32> { Set(partitions.keys) }

    /// Starts holding `partition`, with the carts restored from its changelog.
    mutating func restore(partition: Int32, carts: [String: StoredCart]) {
        partitions[partition] = PartitionState(
            carts: carts, streamTime: carts.values.map(\.lastActivity).max(), changed: [])
    }

    /// Forgets the state of partitions this worker no longer owns.
    mutating func removePartitions(_ removed: some Sequence<Int32>) {
        for partition in removed { partitions.removeValue(forKey: partition) }
    }

    /// Forgets carts of `partition` with no event for `idleSeconds` of the partition's event
    /// time; returns how many. Their deletion goes to the changelog.
    mutating func evictIdleCarts(partition: Int32, idleSeconds: Int) -> Int {
        guard let now = partitions[partition]?.streamTime else { return 0 }
        let cutoff = now.adding(seconds: -idleSeconds)
        let idle = partitions[partition]!.carts.filter { $0.value.lastActivity < cutoff }.keys
        for cartId in idle {
            partitions[partition]!.carts.removeValue(forKey: cartId)
            partitions[partition]!.changed.insert(cartId)
        }
        return idle.count
    }

    /// The changelog records for every cart changed since the last call: its state, or a
    /// tombstone for a forgotten cart, on the cart's partition number.
    mutating func takeChangelog(topic: String, codec: EventCodec) -> [ProducerRecord] {
        var records: [ProducerRecord] = []
        for partition in partitions.keys.sorted() {
            guard let state = partitions[partition], !state.changed.isEmpty else { continue }
            for cartId in state.changed.sorted() {
                records.append(ProducerRecord(
                    topic: topic, partition: partition, key: Array(cartId.utf8),
                    value: state.carts[cartId].map { $0.encoded() },
                    timestamp: (state.carts[cartId]?.lastActivity ?? state.streamTime)?.millisecondsSinceEpoch))
            }
            partitions[partition]!.changed = []
        }
        return records
    }

    /// Number of carts held, for metrics.
    var cartCount: Int { partitions.values.reduce(0) { $0 + $1.carts.count } }
}
