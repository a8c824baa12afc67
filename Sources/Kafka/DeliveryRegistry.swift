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
