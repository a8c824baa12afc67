import Synchronization

/// Whether a ``KafkaProducer/send(_:)`` was cancelled, and the batch to fail when it is.
final class SendCancellation: Sendable {
    private struct State {
        var batch: DeliveryBatch?
        var cancelled = false
    }
    private let state = Mutex(State())

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Records the batch; false (after failing every record) when the task was already cancelled.
    func attach(_ batch: DeliveryBatch) -> Bool {
        let cancelled = state.withLock { state in
            state.batch = batch
            return state.cancelled
        }
        if cancelled { batch.failUnsettled(with: .cancelled) }
        return !cancelled
    }

    func cancel() {
        let batch = state.withLock { state in
            state.cancelled = true
            return state.batch
        }
        batch?.failUnsettled(with: .cancelled)
    }
}
