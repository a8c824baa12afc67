import Kafka
import Synchronization

/// Whether the worker can do its job now, as `GET /readyz` reports it: every assigned input
/// partition has its cart state restored, the offer catalog is loaded, and the consumer has
/// polled recently.
///
/// A worker that is alive but not ready (restoring state, loading the catalog, stuck in a
/// blocking call) would answer events with missing state or offers, or not at all; an
/// orchestrator uses this to hold a rollout until the new pod is really working, rather than
/// only started. The processing loop calls the setters; the HTTP endpoint reads `status`.
/// Thread-safe: the setters are called from the loop's thread, `status` from the endpoint's.
public final class WorkerReadiness: Sendable {
    /// How long since the last poll the consumer still counts as polling.
    public let maxPollInterval: Duration
    /// The reference instant poll times are stored against, so a poll is one atomic store.
    private let origin: ContinuousClock.Instant
    /// Nanoseconds from `origin` to the last poll; `Int64.min` before the first.
    private let lastPoll = Atomic<Int64>(.min)
    private let state = Mutex(State())

    private struct State {
        /// False until the first assignment (possibly empty): the worker is still joining its group.
        var assignmentReceived = false
        var assigned = Set<TopicPartition>()
        /// State partition numbers whose cart state is current.
        var restored = Set<Int32>()
        var catalogLoaded = false
    }

    /// - Parameter maxPollInterval: a consumer that has not polled for longer is reported not
    ///   ready (the loop polls at least every 100 ms when idle; restores and drains block it).
    public init(maxPollInterval: Duration = .seconds(30)) {
        self.maxPollInterval = maxPollInterval
        self.origin = .now
    }

    /// Partitions just assigned to this worker (an empty list still means the group was
    /// joined); they count as not ready until their state number is `restored`.
    public func partitionsAssigned(_ partitions: some Sequence<TopicPartition>) {
        state.withLock {
            $0.assignmentReceived = true
            $0.assigned.formUnion(partitions)
        }
    }

    /// The cart state of partition number `partition` is current (restored from the
    /// changelog, or kept on a warm hand-back).
    public func restored(partition: Int32) {
        _ = state.withLock { $0.restored.insert(partition) }
    }

    /// Partitions taken away (revoked or lost); a state number stays restored while another
    /// input topic's partition of that number is still assigned, as the store keeps it.
    public func partitionsRevoked(_ partitions: some Sequence<TopicPartition>) {
        state.withLock {
            $0.assigned.subtract(partitions)
            let stillAssigned = Set($0.assigned.map(\.partition))
            $0.restored = $0.restored.intersection(stillAssigned)
        }
    }

    /// The offer catalog (file and topic, as configured) has been read in full.
    public func catalogLoaded() {
        state.withLock { $0.catalogLoaded = true }
    }

    /// The consumer polled at `instant`: one atomic store, cheap enough for every loop turn.
    public func polled(at instant: ContinuousClock.Instant = .now) {
        lastPoll.store(Self.nanoseconds(instant - origin), ordering: .relaxed)
    }

    /// Ready when nothing is missing; otherwise `reasons` says, in words an operator can act
    /// on, what is not ready yet (in a fixed order: assignment, restore, catalog, polling).
    public func status(now: ContinuousClock.Instant = .now) -> (ready: Bool, reasons: [String]) {
        var reasons: [String] = []
        state.withLock { state in
            if !state.assignmentReceived {
                reasons.append("no partitions assigned yet: still joining the consumer group")
            }
            let waiting = Set(state.assigned.map(\.partition)).subtracting(state.restored)
            if !waiting.isEmpty {
                reasons.append("cart state of partitions \(waiting.sorted().map(String.init).joined(separator: ", ")) not restored yet")
            }
            if !state.catalogLoaded {
                reasons.append("offer catalog not loaded yet")
            }
        }
        let polled = lastPoll.load(ordering: .relaxed)
        if polled == .min {
            reasons.append("consumer has not polled yet")
        } else {
            let since = (now - origin) - .nanoseconds(polled)
            if since > maxPollInterval {
                reasons.append("consumer last polled \(Self.seconds(since)) s ago (limit \(Self.seconds(maxPollInterval)) s)")
            }
        }
        return (reasons.isEmpty, reasons)
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    private static func seconds(_ duration: Duration) -> Int64 {
        duration.components.seconds
    }
}
