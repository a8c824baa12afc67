import CRdKafka
import Dispatch

/// Kafka transactions: outputs and input offsets committed atomically, for a producer
/// configured with `transactional.id`.
///
/// The calls block in librdkafka, so they run on a dispatch queue, never on the cooperative
/// thread pool.
extension KafkaProducer {
    /// Registers the transactional id with the cluster, fencing older producers with it.
    public func initTransactions(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        try await transactionCall { rd_kafka_init_transactions($0, Int32(timeout.milliseconds)) }
    }

    public func beginTransaction() async throws(KafkaError) {
        try await transactionCall { rd_kafka_begin_transaction($0) }
    }

    /// Adds `consumer`'s offsets (next offset to read, by partition) to the transaction, so
    /// they are committed for its group only if the transaction commits.
    public func sendOffsetsToTransaction(_ offsets: [TopicPartition: Int64], of consumer: KafkaConsumer, timeout: Duration = .seconds(30)) async throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let metadata = consumer.groupMetadata()
        defer { rd_kafka_consumer_group_metadata_destroy(metadata) }
        let list = NativePartitionList.make(offsets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        nonisolated(unsafe) let unsafeList = list
        nonisolated(unsafe) let unsafeMetadata = metadata
        try await transactionCall { rd_kafka_send_offsets_to_transaction($0, unsafeList, unsafeMetadata, Int32(timeout.milliseconds)) }
    }

    /// Commits everything produced since ``beginTransaction()``, and the offsets sent.
    public func commitTransaction(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        try await transactionCall { rd_kafka_commit_transaction($0, Int32(timeout.milliseconds)) }
    }

    /// Aborts the transaction: read-committed consumers never see its records.
    public func abortTransaction(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        try await transactionCall { rd_kafka_abort_transaction($0, Int32(timeout.milliseconds)) }
    }

    private func transactionCall(_ call: @escaping @Sendable (OpaquePointer) -> OpaquePointer?) async throws(KafkaError) {
        let failure: KafkaError? = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { [self] in
                continuation.resume(returning: call(nativeHandle).map { KafkaError(consuming: $0) })
            }
        }
        if let failure { throw failure }
    }
}

extension KafkaConsumer {
    /// The consumer's group metadata; the caller destroys it.
    func groupMetadata() -> OpaquePointer {
        rd_kafka_consumer_group_metadata(nativeHandle)
    }
}
