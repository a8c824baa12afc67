import Kafka
import OfferEngine

/// The per-cart state of the partitions this worker owns, backed by a compacted changelog
/// topic (key cartId, value an encoded ``StoredCart``, an empty value deletes the cart).
///
/// Both input topics are keyed by cartId and partitioned alike, so a cart's events all
/// arrive on one partition number; its state is kept under that number and written to the
/// changelog partition of the same number, so it moves with the partition.
///
/// Carts are held encoded, exactly as their changelog value: a few hundred bytes each
/// instead of a tree of Swift objects, and a change is written to the changelog without
/// encoding it again. A cart is decoded only when one of its events arrives.
struct CartStateStore: Sendable {
    /// A cart's encoded state and the time eviction judges it by.
    struct Entry: Sendable {
        var bytes: [UInt8]
        var lastActivity: EventTime
    }

    private struct PartitionState: Sendable {
        var carts: [String: Entry] = [:]
        /// The latest event time applied on the partition: idle carts are judged against it.
        var streamTime: EventTime?
        /// Carts changed since the changelog was last taken.
        var changed: Set<String> = []
        /// No cart is idler than this (a lower bound), so eviction scans only when the
        /// cutoff passes it.
        var oldestActivity: EventTime?
        /// Whether this worker owns the partition now; a released partition's state is kept
        /// for a warm hand-back (see ``changelogEnd``).
        var owned = true
        /// The changelog's end offset this state is known to match: after a restore, the end
        /// read; after each acknowledged write of this worker, its offset + 1.
        var changelogEnd: Int64?
    }

    private var partitions: [Int32: PartitionState] = [:]

    init() {}

    /// The stored state of a cart, if any; a cart whose bytes cannot be decoded is treated as
    /// unknown (and reported through `unreadable`).
    func cart(_ cartId: String, partition: Int32) -> StoredCart? {
        guard let entry = partitions[partition]?.carts[cartId] else { return nil }
        return try? StoredCart(decoding: entry.bytes)
    }

    /// Records that the partition's event time has reached `time`, moving it at most
    /// `maxAdvance` seconds past where it was (`nil`: no bound). An event whose record was
    /// also stamped far in the future passes the skew check; the bound keeps that one event
    /// from making every other cart of the partition idle at once, while a partition quiet
    /// for hours still catches up within a few events.
    mutating func observe(_ time: EventTime, partition: Int32, maxAdvance: Int? = nil) {
        // In place: copying the partition's state out and back would copy every cart.
        let previous = partitions[partition, default: PartitionState()].streamTime
        var reached = max(previous ?? time, time)
        if let previous, let maxAdvance { reached = min(reached, previous.adding(seconds: maxAdvance)) }
        partitions[partition, default: PartitionState()].streamTime = reached
    }

    /// Stores a cart's new state; the change goes to the changelog with the next take.
    mutating func replace(_ cartId: String, partition: Int32, with cart: StoredCart) {
        replace(cartId, partition: partition, encoded: cart.encoded(), lastActivity: cart.lastActivity)
    }

    /// Stores a cart's already encoded state.
    mutating func replace(_ cartId: String, partition: Int32, encoded bytes: [UInt8], lastActivity: EventTime) {
        let entry = Entry(bytes: bytes, lastActivity: lastActivity)
        partitions[partition, default: PartitionState()].carts[cartId] = entry
        partitions[partition, default: PartitionState()].changed.insert(cartId)
        if let oldest = partitions[partition]!.oldestActivity, lastActivity < oldest {
            partitions[partition]!.oldestActivity = lastActivity
        }
    }

    /// The partitions whose state this worker owns.
    var ownedPartitions: Set<Int32> { Set(partitions.filter { $0.value.owned }.keys) }

    /// Whether a released partition's state can be taken back as is: this worker was the
    /// last to write its changelog, which still ends at `changelogEnd`.
    func canResume(partition: Int32, changelogEnd end: Int64) -> Bool {
        guard let state = partitions[partition], !state.owned, let known = state.changelogEnd else { return false }
        return known == end
    }

    /// Owns a released partition's state again (see ``canResume(partition:changelogEnd:)``).
    mutating func resume(partition: Int32) {
        partitions[partition]?.owned = true
    }

    /// Starts holding `partition`, with the carts restored from its changelog up to `end`.
    mutating func restore(partition: Int32, carts: [String: Entry], changelogEnd end: Int64) {
        let times = carts.values.map(\.lastActivity)
        partitions[partition] = PartitionState(
            carts: carts, streamTime: times.max(), changed: [], oldestActivity: times.min(), owned: true, changelogEnd: end)
    }

    /// Keeps the state of partitions this worker no longer owns, for a warm hand-back.
    mutating func release(_ released: some Sequence<Int32>) {
        for partition in released { partitions[partition]?.owned = false }
    }

    /// Forgets the state of partitions entirely (lost without a clean hand-over).
    mutating func removePartitions(_ removed: some Sequence<Int32>) {
        for partition in removed { partitions.removeValue(forKey: partition) }
    }

    /// Records an acknowledged changelog write of this worker.
    mutating func changelogWritten(partition: Int32, offset: Int64) {
        guard partitions[partition] != nil else { return }
        partitions[partition]!.changelogEnd = max(partitions[partition]!.changelogEnd ?? 0, offset + 1)
    }

    /// Forgets carts of `partition` with no event for `idleSeconds` of the partition's event
    /// time; returns how many. Their deletion goes to the changelog.
    mutating func evictIdleCarts(partition: Int32, idleSeconds: Int) -> Int {
        guard let state = partitions[partition], state.owned, let now = state.streamTime else { return 0 }
        let cutoff = now.adding(seconds: -idleSeconds)
        if let oldest = state.oldestActivity, oldest >= cutoff { return 0 }
        var idle: [String] = []
        var oldest: EventTime?
        for (cartId, entry) in state.carts {
            if entry.lastActivity < cutoff {
                idle.append(cartId)
            } else if oldest.map({ entry.lastActivity < $0 }) ?? true {
                oldest = entry.lastActivity
            }
        }
        for cartId in idle {
            partitions[partition]!.carts.removeValue(forKey: cartId)
            partitions[partition]!.changed.insert(cartId)
        }
        partitions[partition]!.oldestActivity = oldest ?? now
        return idle.count
    }

    /// The changelog records for every cart changed since the last call: its state, or a
    /// tombstone for a forgotten cart, on the cart's partition number.
    mutating func takeChangelog(topic: String) -> [ProducerRecord] {
        var records: [ProducerRecord] = []
        for partition in partitions.keys.sorted() {
            guard let state = partitions[partition], !state.changed.isEmpty else { continue }
            for cartId in state.changed.sorted() {
                let entry = state.carts[cartId]
                records.append(ProducerRecord(
                    topic: topic, partition: partition, key: Array(cartId.utf8),
                    value: entry?.bytes,
                    timestamp: (entry?.lastActivity ?? state.streamTime)?.millisecondsSinceEpoch))
            }
            partitions[partition]!.changed = []
        }
        return records
    }

    /// Whether any cart changed since the changelog was last taken.
    var changesPending: Bool { partitions.values.contains { !$0.changed.isEmpty } }

    /// Number of carts held for owned partitions, for metrics.
    var cartCount: Int { partitions.values.reduce(0) { $0 + ($1.owned ? $1.carts.count : 0) } }
}
