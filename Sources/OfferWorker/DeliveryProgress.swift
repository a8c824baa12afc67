import Kafka

/// Which input offsets may be committed: those whose every consequence is acknowledged.
///
/// Work is grouped in *epochs*, one per commit interval. An epoch's outputs are produced as
/// its inputs are processed; when it is sealed, the state of the carts it changed is taken
/// (one changelog record per cart, however many events it had); that changelog is produced
/// only once every output of the epoch (and of the epochs before it) is acknowledged, so
/// the changelog never records an input whose outputs might be lost ("outputs before
/// state"). An epoch is durable when its changelog is acknowledged too, and the input offsets
/// it reached become committable, in epoch order.
///
/// Bookkeeping is per epoch and per partition, never per record.
struct DeliveryProgress {
    struct Epoch {
        let id: Int
        /// Outputs produced and not yet acknowledged.
        var outputsPending = 0
        /// The next input offset reached in this epoch, by input partition.
        var reached: [TopicPartition: Int64] = [:]
        /// Set when sealed: the changelog records to produce once outputs are acknowledged.
        var changelog: [ProducerRecord]?
        /// Whether the changelog was handed to the producer.
        var changelogProduced = false
        /// Changelog records produced and not yet acknowledged.
        var changelogPending = 0
    }

    private(set) var epochs: [Epoch] = [Epoch(id: 1)]
    /// Committable next offsets by input partition.
    private(set) var committable: [TopicPartition: Int64] = [:]

    var currentEpoch: Int { epochs[epochs.count - 1].id }

    /// Whether nothing is waiting for an acknowledgement or a changelog write.
    var isSettled: Bool {
        epochs.count == 1 && epochs[0].outputsPending == 0 && epochs[0].reached.isEmpty && epochs[0].changelog == nil
    }

    /// Whether the current epoch holds any work.
    var currentHasWork: Bool { let e = epochs[epochs.count - 1]; return !e.reached.isEmpty || e.outputsPending > 0 }

    mutating func outputProduced(epoch: Int) { mutate(epoch) { $0.outputsPending += 1 } }

    mutating func outputAcknowledged(epoch: Int) { mutate(epoch) { $0.outputsPending -= 1 } }

    mutating func changelogAcknowledged(epoch: Int) { mutate(epoch) { $0.changelogPending -= 1 } }

    mutating func processed(_ partition: TopicPartition, next offset: Int64) {
        epochs[epochs.count - 1].reached[partition] = offset
    }

    /// Closes the current epoch with the changelog it wrote and opens the next one.
    mutating func seal(changelog: [ProducerRecord]) {
        epochs[epochs.count - 1].changelog = changelog
        epochs.append(Epoch(id: currentEpoch + 1))
    }

    /// The sealed epochs whose changelog may be produced now, oldest first; marks them
    /// produced with `count` records each pending (the caller produces them).
    mutating func takeReadyChangelogs() -> [(epoch: Int, records: [ProducerRecord])] {
        var ready: [(Int, [ProducerRecord])] = []
        for index in epochs.indices {
            if epochs[index].changelogProduced { continue }
            guard let changelog = epochs[index].changelog, epochs[index].outputsPending == 0 else { break }
            epochs[index].changelogProduced = true
            epochs[index].changelogPending = changelog.count
            epochs[index].changelog = []
            ready.append((epochs[index].id, changelog))
        }
        return ready
    }

    /// Moves durable epochs' offsets into ``committable``; returns whether any moved.
    @discardableResult
    mutating func collectDurable() -> Bool {
        var moved = false
        while epochs.count > 1, epochs[0].changelogProduced, epochs[0].changelogPending == 0, epochs[0].outputsPending == 0 {
            committable.merge(epochs[0].reached) { max($0, $1) }
            epochs.removeFirst()
            moved = true
        }
        return moved
    }

    /// Everything processed so far counts as durable (a committed transaction).
    mutating func markAllDurable() {
        for epoch in epochs { committable.merge(epoch.reached) { max($0, $1) } }
        epochs = [Epoch(id: currentEpoch + 1)]
    }

    /// Every input offset reached, durable or not (for a transaction's offsets).
    var reached: [TopicPartition: Int64] {
        var all = committable
        for epoch in epochs { all.merge(epoch.reached) { max($0, $1) } }
        return all
    }

    /// Forgets partitions this worker no longer owns.
    mutating func forget(_ partitions: Set<TopicPartition>) {
        for partition in partitions { committable.removeValue(forKey: partition) }
        for index in epochs.indices {
            for partition in partitions { epochs[index].reached.removeValue(forKey: partition) }
        }
    }

    private mutating func mutate(_ epoch: Int, _ change: (inout Epoch) -> Void) {
        let index = epoch - epochs[0].id
        guard epochs.indices.contains(index) else { return }
        change(&epochs[index])
    }
}
