import CRdKafka

/// Kafka transactions: outputs and input offsets committed atomically, for a producer
/// configured with `transactional.id`.
///
/// The calls block in librdkafka, so they run on a dispatch queue, never on the cooperative
/// thread pool.
extension KafkaProducer {
    /// Registers the transactional id with the cluster, fencing older producers with it.
    public func initTransactions(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        nonisolated(unsafe) let handle = nativeHandle
        try await runBlockingThrowing { () throws(KafkaError) in try NativeTransactions.initialize(handle, timeout: timeout) }
    }

    public func beginTransaction() async throws(KafkaError) {
        nonisolated(unsafe) let handle = nativeHandle
        try await runBlockingThrowing { () throws(KafkaError) in try NativeTransactions.begin(handle) }
    }

    /// Adds `consumer`'s offsets (next offset to read, by partition) to the transaction, so
    /// they are committed for its group only if the transaction commits.
    public func sendOffsetsToTransaction(_ offsets: [TopicPartition: Int64], of consumer: KafkaConsumer, timeout: Duration = .seconds(30)) async throws(KafkaError) {
        nonisolated(unsafe) let handle = nativeHandle
        try await runBlockingThrowing { () throws(KafkaError) in
            try NativeTransactions.sendOffsets(handle, offsets, consumer: consumer, timeout: timeout)
        }
    }

    /// Commits everything produced since ``beginTransaction()``, and the offsets sent.
    public func commitTransaction(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        nonisolated(unsafe) let handle = nativeHandle
        try await runBlockingThrowing { () throws(KafkaError) in try NativeTransactions.commit(handle, timeout: timeout) }
    }

    /// Aborts the transaction: read-committed consumers never see its records.
    public func abortTransaction(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        nonisolated(unsafe) let handle = nativeHandle
        try await runBlockingThrowing { () throws(KafkaError) in try NativeTransactions.abort(handle, timeout: timeout) }
    }
}

/// The blocking transaction calls, shared by ``KafkaProducer`` and ``KafkaPipelineProducer``.
enum NativeTransactions {
    static func initialize(_ handle: OpaquePointer, timeout: Duration) throws(KafkaError) {
        try check(rd_kafka_init_transactions(handle, Int32(clamping: timeout.milliseconds)))
    }

    static func begin(_ handle: OpaquePointer) throws(KafkaError) {
        try check(rd_kafka_begin_transaction(handle))
    }

    static func sendOffsets(_ handle: OpaquePointer, _ offsets: [TopicPartition: Int64], consumer: KafkaConsumer, timeout: Duration) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let metadata = consumer.groupMetadata()
        defer { rd_kafka_consumer_group_metadata_destroy(metadata) }
        let list = NativePartitionList.make(offsets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try check(rd_kafka_send_offsets_to_transaction(handle, list, metadata, Int32(clamping: timeout.milliseconds)))
    }

    static func commit(_ handle: OpaquePointer, timeout: Duration) throws(KafkaError) {
        try check(rd_kafka_commit_transaction(handle, Int32(clamping: timeout.milliseconds)))
    }

    static func abort(_ handle: OpaquePointer, timeout: Duration) throws(KafkaError) {
        try check(rd_kafka_abort_transaction(handle, Int32(clamping: timeout.milliseconds)))
    }

    private static func check(_ error: OpaquePointer?) throws(KafkaError) {
        if let error { throw KafkaError(consuming: error) }
    }
}

extension KafkaConsumer {
    /// The consumer's group metadata; the caller destroys it.
    func groupMetadata() -> OpaquePointer {
        rd_kafka_consumer_group_metadata(nativeHandle)
    }
}
