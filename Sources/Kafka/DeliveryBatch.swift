import Synchronization

/// The delivery results of one `send` call; resumes its caller once every record is settled.
final class DeliveryBatch: Sendable {
    private struct State {
        var results: [Result<DeliveryReport, KafkaError>?]
        var remaining: Int
        var continuation: CheckedContinuation<[Result<DeliveryReport, KafkaError>], Never>?
    }
    private let state: Mutex<State>

    init(count: Int, continuation: CheckedContinuation<[Result<DeliveryReport, KafkaError>], Never>) {
        state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count, continuation: continuation))
        if count == 0 { settle { _ in } }
    }

    func complete(index: Int, with result: Result<DeliveryReport, KafkaError>) {
        settle { state in
            guard state.results[index] == nil else { return }
            state.results[index] = result
            state.remaining -= 1
        }
    }

    /// Fails every record without a result yet; their reports, if they come, are ignored.
    func failUnsettled(with error: KafkaError) {
        settle { state in
            for index in state.results.indices where state.results[index] == nil {
                state.results[index] = .failure(error)
            }
            state.remaining = 0
        }
    }

    /// Applies `update`, then resumes the caller once nothing is left to settle.
    private func settle(_ update: (inout State) -> Void) {
        let finished: (CheckedContinuation<[Result<DeliveryReport, KafkaError>], Never>, [Result<DeliveryReport, KafkaError>])? =
            state.withLock { state in
                update(&state)
                guard state.remaining == 0, let continuation = state.continuation else { return nil }
                state.continuation = nil
                return (continuation, state.results.map { $0! })
            }
        if let (continuation, results) = finished { continuation.resume(returning: results) }
    }
}
