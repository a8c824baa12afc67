import CRdKafka
import Logging

/// An in-process Kafka cluster: librdkafka's mock cluster, a real Kafka-protocol broker
/// over TCP on localhost. For the demo, tests, benchmarks and local development; any Kafka
/// client can connect to ``bootstrapServers``.
///
/// Its fault hooks (broker down/up, round-trip time, injected request errors) let tests
/// exercise reliability. Limits of librdkafka 2.0.2's mock: it keeps about 5 MB per
/// partition, offsets committed inside a transaction are not stored, and topics must be
/// created with ``createTopic(_:partitions:replicationFactor:)`` (admin CreateTopics hangs).
public final class EmbeddedKafkaCluster: Sendable {
    private let owner: NativeClient
    // `rd_kafka_mock_cluster_t *`; thread-safe, destroyed in deinit.
    private nonisolated(unsafe) let cluster: OpaquePointer

    /// The bootstrap address, for example `127.0.0.1:39153`.
    public let bootstrapServers: String

    /// The broker ids, starting at 1.
    public let brokerIds: [Int32]

    /// Starts a cluster of `brokers` brokers listening on ephemeral localhost ports.
    public init(brokers: Int = 1, logger: Logger = Logger(label: "kafka.embedded")) throws(KafkaError) {
        owner = try NativeClient(type: RD_KAFKA_PRODUCER, configuration: KafkaConfiguration(["log_level": "3"]), logger: logger)
        guard let cluster = rd_kafka_mock_cluster_new(owner.handle, Int32(brokers)) else {
            throw KafkaError(code: -10_003, name: "EMBEDDED", message: "cannot start the embedded Kafka cluster")
        }
        self.cluster = cluster
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        brokerIds = (1...Int32(max(brokers, 1))).map { $0 }
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
    }

    /// Whether a cluster id (``KafkaAdmin/clusterID(timeout:)``) is an embedded cluster's:
    /// librdkafka names its mock clusters `mockCluster…`. Such a cluster creates topics only
    /// through ``createTopic(_:partitions:replicationFactor:)``, in the process that runs it;
    /// an admin CreateTopics request waits for a controller it never names and times out, so a
    /// client that finds it can say what to do at once instead.
    public static func isEmbedded(clusterID: String) -> Bool {
        clusterID.hasPrefix("mockCluster")
    }

    /// Creates a topic (replication factor at most the broker count).
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws(KafkaError) {
        let err = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, message: "cannot create topic \(name)") }
    }

    /// Takes a broker down: its connections are closed and it refuses new ones.
    public func setBrokerDown(_ brokerId: Int32) {
        _ = rd_kafka_mock_broker_set_down(cluster, brokerId)
    }

    /// Brings a broker back up.
    public func setBrokerUp(_ brokerId: Int32) {
        _ = rd_kafka_mock_broker_set_up(cluster, brokerId)
    }

    /// Adds `rtt` of latency to every response from a broker (zero removes it).
    public func setRoundTripTime(_ rtt: Duration, brokerId: Int32) {
        _ = rd_kafka_mock_broker_set_rtt(cluster, brokerId, Int32(rtt.milliseconds))
    }

    /// Makes the next requests of the Kafka API `apiKey` (0 Produce, 8 OffsetCommit, …) fail,
    /// one error per request, in order.
    public func injectRequestErrors(apiKey: Int16, errors: [Int32]) {
        var codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        codes.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(cluster, apiKey, buffer.count, buffer.baseAddress)
        }
    }

    /// Removes injected errors for `apiKey` that have not fired yet.
    public func clearRequestErrors(apiKey: Int16) {
        rd_kafka_mock_clear_request_errors(cluster, apiKey)
    }
}

/// Kafka protocol API keys used with ``EmbeddedKafkaCluster/injectRequestErrors(apiKey:errors:)``.
public enum KafkaAPIKey {
    public static let produce: Int16 = 0
    public static let fetch: Int16 = 1
    public static let offsetCommit: Int16 = 8
    public static let joinGroup: Int16 = 11
}
