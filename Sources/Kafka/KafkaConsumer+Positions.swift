import CRdKafka

extension KafkaConsumer {
    /// For each partition, the earliest offset whose record timestamp is at or after the
    /// given time (milliseconds since the epoch), asked of the partitions' leaders
    /// (`rd_kafka_offsets_for_times`): how a reader positions itself at a point in time.
    ///
    /// A partition maps to `nil` when the broker knows no such offset: no record is that
    /// recent, or the broker cannot look offsets up by time (librdkafka 2.0.2's mock cluster
    /// answers `nil` for every time). Blocks the calling thread up to `timeout`.
    public func offsetsForTimesBlocking(
        _ times: [TopicPartition: Int64], timeout: Duration = .seconds(10)
    ) throws(KafkaError) -> [TopicPartition: Int64?] {
        guard !times.isEmpty else { return [:] }
        let list = NativePartitionList.make(times.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_offsets_for_times(nativeHandle, list, Int32(clamping: timeout.milliseconds))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(err, message: "offsets for times: \(KafkaError(err).message)")
        }
        var offsets: [TopicPartition: Int64?] = [:]
        for element in NativePartitionList.elements(list) {
            guard element.error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(element.error, message: "offset for a time of \(element.partition): \(KafkaError(element.error).message)")
            }
            offsets[element.partition] = element.offset >= 0 ? element.offset : nil
        }
        return offsets
    }

    /// The consumer's position in each assigned partition: the offset of the next record it
    /// will hand out (`rd_kafka_position`), or `nil` before it has handed out any. It moves
    /// past what the application never sees, such as transaction markers, so a reader can
    /// tell it reached an end offset that no record carries.
    public func positions(_ partitions: [TopicPartition]) throws(KafkaError) -> [TopicPartition: Int64?] {
        guard !partitions.isEmpty else { return [:] }
        let list = NativePartitionList.make(partitions.map { ($0, nil) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_position(nativeHandle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
        var positions: [TopicPartition: Int64?] = [:]
        for element in NativePartitionList.elements(list) {
            positions[element.partition] = element.offset >= 0 ? element.offset : nil
        }
        return positions
    }
}
