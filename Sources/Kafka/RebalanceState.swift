import CRdKafka
import Synchronization

/// A change of a group consumer's partitions, or records read from them.
public enum ConsumerEvent: Sendable, Hashable {
    /// Records in partition order as fetched; records of partitions revoked during the same
    /// poll are left out, so they will be read again by the partitions' next owner.
    case records([ConsumerRecord])
    /// Partitions this consumer now owns.
    case partitionsAssigned([TopicPartition])
    /// Partitions this consumer no longer owns. `lost` is true when they were taken away
    /// without a clean hand-over (session timeout, fenced member): their offsets can no
    /// longer be committed.
    case partitionsRevoked([TopicPartition], lost: Bool)
}

/// Rebalance events recorded by the C rebalance callback until the next poll returns them.
final class RebalanceState: Sendable {
    private let pending = Mutex<[ConsumerEvent]>([])
    /// Called on the polling thread before partitions are revoked, while their offsets can
    /// still be committed for the current generation.
    let beforeRevoke = Mutex<(@Sendable (_ partitions: [TopicPartition], _ lost: Bool) -> Void)?>(nil)

    func record(_ event: ConsumerEvent) { pending.withLock { $0.append(event) } }

    func drain() -> [ConsumerEvent] { pending.withLock { events in defer { events = [] }; return events } }

    var hasPending: Bool { pending.withLock { !$0.isEmpty } }

    /// The C callback: applies the assignment change (eagerly or incrementally, as the
    /// group's protocol requires) and records it.
    static let callback: @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
    ) -> Void = { rk, err, partitions, opaque in
        guard let rk, let context = ClientContext.from(opaque) else { return }
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        let list = NativePartitionList.elements(partitions).map(\.partition)
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, partitions) { context.report(KafkaError(consuming: error)) }
            } else {
                let e = rd_kafka_assign(rk, partitions)
                if e != RD_KAFKA_RESP_ERR_NO_ERROR { context.report(KafkaError(e)) }
            }
            context.rebalance.record(.partitionsAssigned(list))
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(rk) != 0
            if let handler = context.rebalance.beforeRevoke.withLock({ $0 }) { handler(list, lost) }
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, partitions) { context.report(KafkaError(consuming: error)) }
            } else {
                let e = rd_kafka_assign(rk, nil)
                if e != RD_KAFKA_RESP_ERR_NO_ERROR { context.report(KafkaError(e)) }
            }
            context.rebalance.record(.partitionsRevoked(list, lost: lost))
        default:
            context.report(KafkaError(err))
            _ = rd_kafka_assign(rk, nil)
        }
    }
}

extension ClientContext {
    func report(_ error: KafkaError) {
        lastError.withLock { $0 = error }
        logger.error("Kafka rebalance error", metadata: ["error": "\(error)"])
    }
}
