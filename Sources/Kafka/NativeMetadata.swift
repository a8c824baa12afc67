import CRdKafka

/// The cluster's topics as one metadata request sees them, shared by the admin client and
/// the pipeline producer.
enum NativeMetadata {
    /// Partition counts of the cluster's topics, by name (topics that do not exist, or that
    /// the broker reports with an error, are absent). Blocks for up to `timeout`.
    ///
    /// It asks for every topic (all_topics=1): asking for named topics could auto-create
    /// them on some brokers, and the answer also refreshes every topic the client knows.
    static func partitionCounts(_ handle: OpaquePointer, timeout: Duration) throws(KafkaError) -> [String: Int] {
        var metadata: UnsafePointer<rd_kafka_metadata_t>? = nil
        let err = rd_kafka_metadata(handle, 1, nil, &metadata, Int32(clamping: timeout.milliseconds))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(err, message: "cannot read cluster metadata: \(KafkaError(err).message)")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        var counts: [String: Int] = [:]
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            counts[String(cString: topic.topic)] = Int(topic.partition_cnt)
        }
        return counts
    }
}
