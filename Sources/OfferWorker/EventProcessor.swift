import Kafka
import OfferEngine

/// Turns one input record into the output records it causes, updating cart state.
///
/// Pure apart from `store`: no I/O, no clock. The same records in the same order give the
/// same outputs, byte for byte.
struct EventProcessor: Sendable {
    let engine: OfferEngine
    let topics: TopicNames
    let eventSource: String
    let metrics: WorkerMetrics
    let codec: EventCodec

    func process(_ record: ConsumerRecord, store: inout CartSessionStore) -> [ProducerRecord] {
        do throws(EventDecodingError) {
            switch record.topic {
            case topics.cartUpdated:
                metrics.cartEvents.increment()
                return try cartUpdated(record, store: &store)
            case topics.offerAccepted:
                metrics.acceptanceEvents.increment()
                return try offerAccepted(record, store: &store)
            default:
                throw EventDecodingError(reason: "unexpected topic \(record.topic)")
            }
        } catch {
            metrics.deadLetters.increment()
            return [ProducerRecord(deadLetterOf: record, reason: error.reason, topic: topics.deadLetter)]
        }
    }

    private func cartUpdated(_ record: ConsumerRecord, store: inout CartSessionStore) throws(EventDecodingError) -> [ProducerRecord] {
        let cart = try codec.decodeValidated(CartUpdated.self, from: try value(of: record))
        guard record.keyString == cart.cartId else {
            // State is partitioned by key: a cart under the wrong key would split its state.
            throw EventDecodingError(reason: "record key \(record.keyString.map { "'\($0)'" } ?? "(none)") does not match cartId '\(cart.cartId)'")
        }
        let presented = store.withSession(cartId: cart.cartId, partition: record.partition) { session in
            engine.cartUpdated(cart, session: &session)
        }
        metrics.presented.increment(by: presented.count)
        return presented.map { ProducerRecord($0, topic: topics.offerPresented, source: eventSource, codec: codec) }
    }

    private func offerAccepted(_ record: ConsumerRecord, store: inout CartSessionStore) throws(EventDecodingError) -> [ProducerRecord] {
        let acceptance = try codec.decodeValidated(OfferAccepted.self, from: try value(of: record))
        let outcome = store.withSession(cartId: acceptance.cartId, partition: record.partition) { session in
            engine.offerAccepted(acceptance, key: record.keyString, session: &session)
        }
        switch outcome {
        case .mutation(let mutation):
            metrics.mutations.increment()
            return [ProducerRecord(mutation, topic: topics.cartMutation, source: eventSource, codec: codec)]
        case .rejected(let rejection):
            metrics.rejections.increment()
            return [ProducerRecord(rejection, topic: topics.offerRejected, source: eventSource, codec: codec)]
        case .alreadyAccepted:
            metrics.duplicateAcceptances.increment()
            return []
        }
    }

    private func value(of record: ConsumerRecord) throws(EventDecodingError) -> [UInt8] {
        guard let value = record.value, !value.isEmpty else { throw EventDecodingError(reason: "empty value") }
        return value
    }
}
