import CRdKafka
import Dispatch
import Logging

/// A topic to create.
public struct NewTopic: Sendable, Hashable {
    public var name: String
    public var partitions: Int
    public var replicationFactor: Int
    /// Topic-level configuration, for example `cleanup.policy=compact`.
    public var config: [String: String]

    public init(name: String, partitions: Int, replicationFactor: Int = 1, config: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.config = config
    }
}

/// The admin calls a worker needs at start-up: read partition counts, create missing topics.
public final class KafkaAdmin: Sendable {
    private let client: NativeClient

    public init(configuration: KafkaConfiguration, logger: Logger = Logger(label: "kafka.admin")) throws(KafkaError) {
        // An admin client is a producer handle: consumer-only properties would only warn.
        client = try NativeClient(type: RD_KAFKA_PRODUCER, configuration: configuration.forProducer(), logger: logger)
    }

    /// Partition counts of the cluster's topics, by name (topics that do not exist are absent).
    public func partitionCounts(timeout: Duration = .seconds(10)) async throws(KafkaError) -> [String: Int] {
        let result: Result<[String: Int], KafkaError> = await runBlocking { [client] in
            Result { () throws(KafkaError) in try NativeMetadata.partitionCounts(client.handle, timeout: timeout) }
        }
        return try result.get()
    }

    /// The cluster's id, from its metadata; `nil` when none comes within `timeout` (or the
    /// broker is too old to give one).
    public func clusterID(timeout: Duration = .seconds(10)) async -> String? {
        await runBlocking { [client] in
            guard let id = rd_kafka_clusterid(client.handle, Int32(timeout.milliseconds)) else { return nil }
            defer { rd_kafka_mem_free(client.handle, id) }
            return String(cString: id)
        }
    }

    /// Whether the cluster is an ``EmbeddedKafkaCluster`` (`offer-worker broker`, `run
    /// --embedded`), which cannot create topics on request: see
    /// ``EmbeddedKafkaCluster/isEmbedded(clusterID:)``.
    public func isEmbeddedCluster() async -> Bool {
        await clusterID().map(EmbeddedKafkaCluster.isEmbedded(clusterID:)) ?? false
    }

    /// Creates `topics`; a topic that already exists is not an error.
    public func createTopics(_ topics: [NewTopic], timeout: Duration = .seconds(30)) async throws(KafkaError) {
        guard !topics.isEmpty else { return }
        let result: KafkaError? = await runBlocking { [client] in
            var errorText = [CChar](repeating: 0, count: 512)
            var natives: [OpaquePointer?] = []
            defer { natives.forEach { rd_kafka_NewTopic_destroy($0) } }
            for topic in topics {
                guard let native = rd_kafka_NewTopic_new(
                    topic.name, Int32(topic.partitions), Int32(topic.replicationFactor), &errorText, errorText.count)
                else { return .configuration("topic \(topic.name): \(String(nulTerminated: errorText))") }
                natives.append(native)
                for (key, value) in topic.config.sorted(by: { $0.key < $1.key }) {
                    let err = rd_kafka_NewTopic_set_config(native, key, value)
                    if err != RD_KAFKA_RESP_ERR_NO_ERROR { return KafkaError(err, message: "topic \(topic.name) config \(key)") }
                }
            }
            let queue = rd_kafka_queue_new(client.handle)
            defer { rd_kafka_queue_destroy(queue) }
            let options = rd_kafka_AdminOptions_new(client.handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
            defer { rd_kafka_AdminOptions_destroy(options) }
            _ = rd_kafka_AdminOptions_set_request_timeout(options, Int32(timeout.milliseconds), &errorText, errorText.count)
            _ = rd_kafka_AdminOptions_set_operation_timeout(options, Int32(timeout.milliseconds), &errorText, errorText.count)
            natives.withUnsafeMutableBufferPointer { buffer in
                rd_kafka_CreateTopics(client.handle, buffer.baseAddress, buffer.count, options, queue)
            }
            guard let event = rd_kafka_queue_poll(queue, Int32(timeout.milliseconds + 1000)) else {
                return .timedOut("creating topics \(topics.map(\.name)) took longer than \(timeout)")
            }
            defer { rd_kafka_event_destroy(event) }
            let eventError = rd_kafka_event_error(event)
            if eventError != RD_KAFKA_RESP_ERR_NO_ERROR {
                return KafkaError(eventError, message: rd_kafka_event_error_string(event).map { String(cString: $0) })
            }
            var count = 0
            guard let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count) else {
                return nil
            }
            for i in 0..<count {
                let err = rd_kafka_topic_result_error(results[i])
                if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                    let name = String(cString: rd_kafka_topic_result_name(results[i]))
                    let text = rd_kafka_topic_result_error_string(results[i]).map { String(cString: $0) } ?? ""
                    return KafkaError(err, message: "cannot create topic \(name): \(text)")
                }
            }
            return nil
        }
        if let result { throw result }
    }
}
