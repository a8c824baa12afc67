import Kafka

/// The processing loop's cart state, split into shards that threads can change at once.
///
/// Every partition's carts live in exactly one shard (a ``CartStateStore`` of its own), so
/// the records of different shards can be processed in parallel without sharing anything
/// mutable, while one partition's records are still processed in order by one thread. A
/// partition is placed in the shard holding the fewest partitions when the worker first owns
/// it, and stays there while the worker keeps its state (a warm hand-back finds it where it
/// was).
///
/// Everything but ``shard(_:)`` runs on the loop's thread, between parallel sections.
final class ShardedStateStore: @unchecked Sendable {
    /// One shard's carts; a class, so that threads change different shards through
    /// different objects.
    final class Shard: @unchecked Sendable {
        var store = CartStateStore()
        fileprivate var partitions = Set<Int32>()
    }

    private let shards: [Shard]
    private var shardOfPartition: [Int32: Int] = [:]

    init(shards count: Int) {
        precondition(count >= 1, "at least one shard")
        shards = (0..<count).map { _ in Shard() }
    }

    var shardCount: Int { shards.count }

    /// The shard of `index`, for a thread processing its records.
    func shard(_ index: Int) -> Shard { shards[index] }

    /// The shard that holds (or will hold) `partition`'s carts.
    func shardIndex(of partition: Int32) -> Int {
        if let index = shardOfPartition[partition] { return index }
        let index = shards.indices.min { shards[$0].partitions.count < shards[$1].partitions.count }!
        shardOfPartition[partition] = index
        shards[index].partitions.insert(partition)
        return index
    }

    private func store(of partition: Int32) -> Shard { shards[shardIndex(of: partition)] }

    var ownedPartitions: Set<Int32> { shards.reduce(into: []) { $0.formUnion($1.store.ownedPartitions) } }

    var cartCount: Int { shards.reduce(0) { $0 + $1.store.cartCount } }

    var changesPending: Bool { shards.contains { $0.store.changesPending } }

    func canResume(partition: Int32, changelogEnd end: Int64) -> Bool {
        guard let index = shardOfPartition[partition] else { return false }
        return shards[index].store.canResume(partition: partition, changelogEnd: end)
    }

    func resume(partition: Int32) { store(of: partition).store.resume(partition: partition) }

    func restore(partition: Int32, carts: [String: CartStateStore.Entry], changelogEnd end: Int64) {
        store(of: partition).store.restore(partition: partition, carts: carts, changelogEnd: end)
    }

    func release(_ released: some Sequence<Int32>) {
        for partition in released {
            guard let index = shardOfPartition[partition] else { continue }
            shards[index].store.release([partition])
        }
    }

    func removePartitions(_ removed: some Sequence<Int32>) {
        for partition in removed {
            guard let index = shardOfPartition.removeValue(forKey: partition) else { continue }
            shards[index].store.removePartitions([partition])
            shards[index].partitions.remove(partition)
        }
    }

    func changelogWritten(partition: Int32, offset: Int64) {
        store(of: partition).store.changelogWritten(partition: partition, offset: offset)
    }

    func evictIdleCarts(partition: Int32, idleSeconds: Int) -> Int {
        store(of: partition).store.evictIdleCarts(partition: partition, idleSeconds: idleSeconds)
    }

    /// Every shard's changelog records, in the order one store would give them: by
    /// partition, then as its shard lists them (by cartId).
    func takeChangelog(topic: String) -> [ProducerRecord] {
        let taken = shards.flatMap { $0.store.takeChangelog(topic: topic) }
        guard shards.count > 1 else { return taken }
        return taken.enumerated()
            .sorted { ($0.element.partition ?? -1, $0.offset) < ($1.element.partition ?? -1, $1.offset) }
            .map(\.element)
    }
}
