import Kafka
import OfferEngine

/// One cart's stored state: the engine's session, plus what the worker needs to keep state
/// bounded and to recognise a repeated event. This is the changelog record's value.
struct StoredCart: Codable, Sendable, Hashable {
    var session: CartSession
    /// The latest event time of any of the cart's events.
    var lastActivity: EventTime
    /// The last few cart event ids applied, so an event seen again changes nothing.
    var recentCartEvents: [String]

    static let recentCartEventLimit = 8
}

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

    /// Reads and updates one cart; `body` may set it to `nil` to forget the cart. A change is
    /// recorded for the changelog.
    mutating func update<R>(cartId: String, partition: Int32, at time: EventTime, _ body: (inout StoredCart?) throws -> R) rethrows -> R {
        var state = partitions[partition, default: PartitionState()]
        let before = state.carts[cartId]
        var cart = before
        let result = try body(&cart)
        if cart != before {
            state.carts[cartId] = cart
            state.changed.insert(cartId)
        }
        state.streamTime = max(state.streamTime ?? time, time)
        partitions[partition] = state
        return result
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
        guard var state = partitions[partition], let now = state.streamTime else { return 0 }
        let cutoff = now.adding(seconds: -idleSeconds)
        let idle = state.carts.filter { $0.value.lastActivity < cutoff }.keys
        for cartId in idle {
            state.carts.removeValue(forKey: cartId)
            state.changed.insert(cartId)
        }
        partitions[partition] = state
        return idle.count
    }

    /// The changelog records for every cart changed since the last call: its state, or a
    /// tombstone for a forgotten cart, on the cart's partition number.
    mutating func takeChangelog(topic: String, codec: EventCodec) -> [ProducerRecord] {
        var records: [ProducerRecord] = []
        for partition in partitions.keys.sorted() {
            guard var state = partitions[partition], !state.changed.isEmpty else { continue }
            for cartId in state.changed.sorted() {
                records.append(ProducerRecord(
                    topic: topic, partition: partition, key: Array(cartId.utf8),
                    value: state.carts[cartId].map { codec.encode($0) },
                    timestamp: (state.carts[cartId]?.lastActivity ?? state.streamTime)?.millisecondsSinceEpoch))
            }
            state.changed = []
            partitions[partition] = state
        }
        return records
    }

    /// Number of carts held, for metrics.
    var cartCount: Int { partitions.values.reduce(0) { $0 + $1.carts.count } }
}
