import Kafka
import OfferEngine

/// Turns one input record into the output records it causes, updating cart state.
///
/// Pure apart from `store`: no I/O, no clock. The same records in the same order give the
/// same outputs, byte for byte.
struct EventProcessor: Sendable {
    var engine: OfferEngine
    let topics: TopicNames
    let eventSource: String
    let metrics: WorkerMetrics
    let codec: EventCodec

    /// The records `record` causes (tests and tools; the loop appends into a reused array).
    func process(_ record: ConsumerRecord, store: inout CartStateStore) -> [ProducerRecord] {
        var outputs: [ProducerRecord] = []
        process(record, store: &store, into: &outputs)
        return outputs
    }

    /// Appends the records `record` causes to `outputs`: its events, or its dead letter.
    func process(_ record: ConsumerRecord, store: inout CartStateStore, into outputs: inout [ProducerRecord]) {
        do throws(EventDecodingError) {
            switch record.topic {
            case topics.cartUpdated:
                metrics.cartEvents.increment()
                outputs += try cartUpdated(record, store: &store)
            case topics.offerAccepted:
                metrics.acceptanceEvents.increment()
                outputs += try offerAccepted(record, store: &store)
            case topics.offerDeclined:
                metrics.declineEvents.increment()
                outputs += try offerDeclined(record, store: &store)
            default:
                throw EventDecodingError(reason: "unexpected topic \(record.topic)")
            }
        } catch {
            metrics.deadLetters.increment()
            outputs.append(ProducerRecord(deadLetterOf: record, reason: error.reason, topic: topics.deadLetter))
        }
    }

    private func cartUpdated(_ record: ConsumerRecord, store: inout CartStateStore) throws(EventDecodingError) -> [ProducerRecord] {
        let cart = try codec.decodeValidated(CartUpdated.self, from: try value(of: record))
        guard record.keyString == cart.cartId else {
            // State is partitioned by key: a cart under the wrong key would split its state.
            throw EventDecodingError(reason: "record key \(record.keyString.map { "'\($0)'" } ?? "(none)") does not match cartId '\(cart.cartId)'")
        }
        store.observe(cart.occurredAt, partition: record.partition)
        let stored = store.cart(cart.cartId, partition: record.partition)
        // A redelivered or repeated event changes nothing: its version is not newer.
        var session = stored?.session
        let presented = engine.cartUpdated(cart, session: &session)
        if let session, session != stored?.session {
            store.replace(cart.cartId, partition: record.partition, with: StoredCart(
                session: session, lastActivity: max(stored?.lastActivity ?? cart.occurredAt, cart.occurredAt)))
        }
        metrics.presented.increment(by: presented.count)
        return presented.map { ProducerRecord($0, topic: topics.offerPresented, source: eventSource, codec: codec) }
    }

    private func offerAccepted(_ record: ConsumerRecord, store: inout CartStateStore) throws(EventDecodingError) -> [ProducerRecord] {
        let acceptance = try codec.decodeValidated(OfferAccepted.self, from: try value(of: record))
        let outcome = updateKnownCart(acceptance.cartId, partition: record.partition, at: acceptance.occurredAt, store: &store) {
            engine.offerAccepted(acceptance, key: record.keyString, session: &$0)
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

    /// A decline changes what the cart is shown later; it causes no output of its own.
    private func offerDeclined(_ record: ConsumerRecord, store: inout CartStateStore) throws(EventDecodingError) -> [ProducerRecord] {
        let decline = try codec.decodeValidated(OfferDeclined.self, from: try value(of: record))
        let outcome = updateKnownCart(decline.cartId, partition: record.partition, at: decline.occurredAt, store: &store) {
            engine.offerDeclined(decline, key: record.keyString, session: &$0)
        }
        if case .ignored = outcome { metrics.ignoredDeclines.increment() }
        return []
    }

    /// Runs `body` on the session of a cart the worker already holds (an acceptance or a
    /// decline never creates one), keeping the change and the cart's activity time.
    private func updateKnownCart<R>(
        _ cartId: String, partition: Int32, at time: EventTime, store: inout CartStateStore, _ body: (inout CartSession?) -> R
    ) -> R {
        store.observe(time, partition: partition)
        let stored = store.cart(cartId, partition: partition)
        var session = stored?.session
        let result = body(&session)
        if let session, session != stored?.session, let previous = stored {
            store.replace(cartId, partition: partition, with: StoredCart(
                session: session, lastActivity: max(previous.lastActivity, time)))
        }
        return result
    }

    private func value(of record: ConsumerRecord) throws(EventDecodingError) -> [UInt8] {
        guard let value = record.value, !value.isEmpty else { throw EventDecodingError(reason: "empty value") }
        return value
    }
}
