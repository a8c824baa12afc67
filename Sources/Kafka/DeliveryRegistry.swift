import Synchronization

/// Tracks records handed to librdkafka until their delivery reports arrive.
///
/// Each record carries an integer token as its `msg_opaque`; the delivery-report callback
/// looks the token up and completes the batch the record belongs to.
final class DeliveryRegistry: Sendable {
    private struct State {
        var nextToken: UInt = 1
        var pending: [UInt: (batch: DeliveryBatch, index: Int)] = [:]
    }
    private let state = Mutex(State())

    func register(_ batch: DeliveryBatch, index: Int) -> UInt {
        state.withLock { state in
            let token = state.nextToken
            state.nextToken &+= 1
            state.pending[token] = (batch, index)
            return token
        }
    }

    func complete(token: UInt, with result: Result<DeliveryReport, KafkaError>) {
        guard let entry = state.withLock({ $0.pending.removeValue(forKey: token) }) else { return }
        entry.batch.complete(index: entry.index, with: result)
    }

    func cancel(token: UInt) {
        _ = state.withLock { $0.pending.removeValue(forKey: token) }
    }

    var pendingCount: Int { state.withLock { $0.pending.count } }
}

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
