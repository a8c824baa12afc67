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
/// instead of a tree of Swift objects. A cart is decoded only when one of its events
/// arrives, and a changed cart stays decoded until the changelog is next taken (once per
/// commit interval), as Kafka Streams' record cache holds it: a cart with several events in
/// one interval (a replay, a worker catching up on lag, a shopper's burst of changes) is
/// decoded once and encoded once, not once per event. The changelog record is the same
/// either way; at most ``maximumDecodedCarts`` carts are held decoded.
struct CartStateStore: Sendable {
    /// A cart's encoded state and the time eviction judges it by.
    struct Entry: Sendable {
        var bytes: [UInt8]
        var lastActivity: EventTime
    }

    /// A held cart: as its changelog value, or decoded since it last changed.
    private struct Held: Sendable {
        var state: State
        var lastActivity: EventTime
        /// Changed since the changelog was last taken (listed in `PartitionState.changed`).
        var pending = false

        enum State: Sendable {
            case encoded([UInt8])
            /// Boxed (`indirect`), so every held cart's slot stays the size of an array.
            indirect case decoded(StoredCart)
        }

        init(_ entry: Entry) {
            state = .encoded(entry.bytes)
            lastActivity = entry.lastActivity
        }

        init(_ cart: StoredCart) {
            state = .decoded(cart)
            lastActivity = cart.lastActivity
        }

        var isDecoded: Bool {
            if case .decoded = state { return true }
            return false
        }

        /// The changelog value and the cart's last activity; a decoded cart is encoded, and
        /// kept encoded from now on (its decoded form served the interval's events).
        mutating func settle() -> (bytes: [UInt8], lastActivity: EventTime) {
            switch state {
            case .encoded(let bytes):
                return (bytes, lastActivity)
            case .decoded(let cart):
                let bytes = cart.encoded()
                state = .encoded(bytes)
                return (bytes, lastActivity)
            }
        }
    }

    /// Changed carts held decoded, across partitions, before they are all encoded: bounds
    /// the memory when the changelog is not taken for a long time (a few hundred bytes
    /// encoded, a few kilobytes decoded, each).
    static let maximumDecodedCarts = 4_096
    /// How many changed carts are held decoded now.
    private(set) var decodedCartCount = 0

    private struct PartitionState: Sendable {
        var carts: [String: Held] = [:]
        /// The latest event time applied on the partition: idle carts are judged against it.
        var streamTime: EventTime?
        /// Carts changed since the changelog was last taken, in the order of their first change:
        /// a cart is listed when its `pending` flag is set, so it is listed once while it is
        /// held (a cart forgotten and stored again in one interval may be listed twice). The
        /// flag replaces a set of names, which hashed every cart id once more per event and
        /// was sorted at every take.
        var changed: [String] = []
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

    /// By partition number (Kafka's are small and dense): an index instead of a hash per access.
    private var partitions: [PartitionState?] = []

    init() {}

    /// The state of `partition`, if held.
    @inline(__always)
    private func state(_ partition: Int32) -> PartitionState? {
        Int(partition) < partitions.count ? partitions[Int(partition)] : nil
    }

    /// Runs `body` on the state of `partition` in place, making it if need be.
    @inline(__always)
    private mutating func update<R>(_ partition: Int32, _ body: (inout PartitionState) -> R) -> R {
        let index = Int(partition)
        precondition(index >= 0, "Kafka partitions are numbered from 0")
        if index >= partitions.count { partitions.append(contentsOf: repeatElement(nil, count: index + 1 - partitions.count)) }
        if partitions[index] == nil { partitions[index] = PartitionState() }
        return body(&partitions[index]!)
    }

    /// The held partitions' numbers and states.
    private var held: some Sequence<(partition: Int32, state: PartitionState)> {
        partitions.indices.lazy.compactMap { index in self.partitions[index].map { (Int32(index), $0) } }
    }

    /// The stored state of a cart, if any; a cart whose bytes cannot be decoded is treated as
    /// unknown.
    func cart(_ cartId: String, partition: Int32) -> StoredCart? {
        guard Int(partition) < partitions.count, let held = partitions[Int(partition)]?.carts[cartId] else { return nil }
        switch held.state {
        case .decoded(let cart): return cart
        case .encoded(let bytes): return try? StoredCart(decoding: bytes)
        }
    }

    /// Records that the partition's event time has reached `time`, moving it at most
    /// `maxAdvance` seconds past where it was (`nil`: no bound). An event whose record was
    /// also stamped far in the future passes the skew check; the bound keeps that one event
    /// from making every other cart of the partition idle at once, while a partition quiet
    /// for hours still catches up within a few events.
    mutating func observe(_ time: EventTime, partition: Int32, maxAdvance: Int? = nil) {
        // In place: copying the partition's state out and back would copy every cart.
        update(partition) { state in
            let previous = state.streamTime
            var reached = max(previous ?? time, time)
            if let previous, let maxAdvance { reached = min(reached, previous.adding(seconds: maxAdvance)) }
            state.streamTime = reached
        }
    }

    /// Stores a cart's new state, held decoded until the next take encodes it for the
    /// changelog (or ``maximumDecodedCarts`` are held).
    mutating func replace(_ cartId: String, partition: Int32, with cart: StoredCart) {
        store(Held(cart), as: cartId, partition: partition)
        if decodedCartCount > Self.maximumDecodedCarts { encodeDecodedCarts() }
    }

    /// Stores a cart's already encoded state.
    mutating func replace(_ cartId: String, partition: Int32, encoded bytes: [UInt8], lastActivity: EventTime) {
        store(Held(Entry(bytes: bytes, lastActivity: lastActivity)), as: cartId, partition: partition)
    }

    private mutating func store(_ held: Held, as cartId: String, partition: Int32) {
        var held = held
        held.pending = true
        let change = update(partition) { state in
            let previous = state.carts.updateValue(held, forKey: cartId)
            if previous?.pending != true { state.changed.append(cartId) }
            if let oldest = state.oldestActivity, held.lastActivity < oldest { state.oldestActivity = held.lastActivity }
            return (held.isDecoded ? 1 : 0) - (previous?.isDecoded == true ? 1 : 0)
        }
        decodedCartCount += change
    }

    /// Encodes every cart held decoded, keeping it among the changes to take.
    private mutating func encodeDecodedCarts() {
        for index in partitions.indices where partitions[index] != nil {
            update(Int32(index)) { state in
                for cartId in state.changed { _ = state.carts[cartId]?.settle() }  // still pending
            }
        }
        decodedCartCount = 0
    }

    /// The partitions whose state this worker owns.
    var ownedPartitions: Set<Int32> { Set(held.filter { $0.state.owned }.map(\.partition)) }

    /// Whether a released partition's state can be taken back as is: this worker was the
    /// last to write its changelog, which still ends at `changelogEnd`.
    func canResume(partition: Int32, changelogEnd end: Int64) -> Bool {
        guard let state = state(partition), !state.owned, let known = state.changelogEnd else { return false }
        return known == end
    }

    /// Owns a released partition's state again (see ``canResume(partition:changelogEnd:)``).
    mutating func resume(partition: Int32) {
        guard state(partition) != nil else { return }
        update(partition) { $0.owned = true }
    }

    /// Starts holding `partition`, with the carts restored from its changelog up to `end`.
    mutating func restore(partition: Int32, carts: [String: Entry], changelogEnd end: Int64) {
        let times = carts.values.map(\.lastActivity)
        decodedCartCount -= decodedCarts(in: partition)
        update(partition) { state in
            state = PartitionState(
                carts: carts.mapValues(Held.init), streamTime: times.max(), changed: [], oldestActivity: times.min(), owned: true,
                changelogEnd: end)
        }
    }

    /// How many of `partition`'s carts are held decoded (all of them among its changes).
    private func decodedCarts(in partition: Int32) -> Int {
        guard let state = state(partition) else { return 0 }
        return state.carts.values.reduce(0) { $0 + ($1.isDecoded ? 1 : 0) }
    }

    /// Keeps the state of partitions this worker no longer owns, for a warm hand-back.
    mutating func release(_ released: some Sequence<Int32>) {
        for partition in released where state(partition) != nil { update(partition) { $0.owned = false } }
    }

    /// Forgets the state of partitions entirely (lost without a clean hand-over).
    mutating func removePartitions(_ removed: some Sequence<Int32>) {
        for partition in removed where Int(partition) < partitions.count {
            decodedCartCount -= decodedCarts(in: partition)
            partitions[Int(partition)] = nil
        }
    }

    /// Records an acknowledged changelog write of this worker.
    mutating func changelogWritten(partition: Int32, offset: Int64) {
        guard state(partition) != nil else { return }
        update(partition) { $0.changelogEnd = max($0.changelogEnd ?? 0, offset + 1) }
    }

    /// Forgets carts of `partition` with no event for `idleSeconds` of the partition's event
    /// time; returns how many. Their deletion goes to the changelog.
    mutating func evictIdleCarts(partition: Int32, idleSeconds: Int) -> Int {
        guard let state = state(partition), state.owned, let now = state.streamTime else { return 0 }
        let cutoff = now.adding(seconds: -idleSeconds)
        if let oldest = state.oldestActivity, oldest >= cutoff { return 0 }
        var idle: [String] = []
        var oldest: EventTime?
        for (cartId, held) in state.carts {
            if held.lastActivity < cutoff {
                idle.append(cartId)
            } else if oldest.map({ held.lastActivity < $0 }) ?? true {
                oldest = held.lastActivity
            }
        }
        let decoded = update(partition) { state in
            var decoded = 0
            for cartId in idle {
                let removed = state.carts.removeValue(forKey: cartId)
                if removed?.isDecoded == true { decoded += 1 }
                if removed?.pending != true { state.changed.append(cartId) }
            }
            state.oldestActivity = oldest ?? now
            return decoded
        }
        decodedCartCount -= decoded
        return idle.count
    }

    /// The changelog records for every cart changed since the last call: its state, or a
    /// tombstone for a forgotten cart, on the cart's partition number.
    mutating func takeChangelog(topic: String) -> [ProducerRecord] {
        var records: [ProducerRecord] = []
        records.reserveCapacity(held.reduce(0) { $0 + $1.state.changed.count })
        for index in partitions.indices where !(partitions[index]?.changed.isEmpty ?? true) {
            let partition = Int32(index)
            update(partition) { state in
                var tombstoned: Set<String> = []
                for cartId in state.changed {
                    let settled: (bytes: [UInt8], lastActivity: EventTime)?
                    if let index = state.carts.index(forKey: cartId) {
                        // Listed twice (forgotten and stored again): its record is written once.
                        guard state.carts.values[index].pending else { continue }
                        state.carts.values[index].pending = false
                        settled = state.carts.values[index].settle()
                    } else {
                        guard tombstoned.insert(cartId).inserted else { continue }
                        settled = nil
                    }
                    // A forgotten cart's tombstone carries the partition's event time.
                    records.append(ProducerRecord(
                        topic: topic, partition: partition, key: Array(cartId.utf8), value: settled?.bytes,
                        timestamp: (settled?.lastActivity ?? state.streamTime)?.millisecondsSinceEpoch))
                }
                state.changed.removeAll(keepingCapacity: true)
            }
        }
        decodedCartCount = 0
        return records
    }

    /// Whether any cart changed since the changelog was last taken.
    var changesPending: Bool { held.contains { !$0.state.changed.isEmpty } }

    /// Number of carts held for owned partitions, for metrics.
    var cartCount: Int { held.reduce(0) { $0 + ($1.state.owned ? $1.state.carts.count : 0) } }
}
