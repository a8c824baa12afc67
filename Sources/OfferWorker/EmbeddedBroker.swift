import Kafka
import ServiceLifecycle

extension EmbeddedKafkaCluster {
    /// Starts an embedded cluster with the worker's topics created, all with `partitions`
    /// partitions (the inputs must match; outputs share the count so keys line up).
    public static func withWorkerTopics(_ topics: TopicNames, partitions: Int, brokers: Int = 1) throws -> EmbeddedKafkaCluster {
        guard partitions >= 1 else { throw ConfigurationError(problems: ["--partitions must be at least 1 (got \(partitions))"]) }
        let cluster = try EmbeddedKafkaCluster(brokers: brokers)
        for topic in topics.all { try cluster.createTopic(topic, partitions: partitions) }
        return cluster
    }
}

/// Keeps an embedded cluster alive until graceful shutdown (SIGINT/SIGTERM).
public struct EmbeddedBrokerService: Service {
    public let cluster: EmbeddedKafkaCluster
    private let onRunning: @Sendable () throws -> Void

    /// `onRunning` is called once the service group runs (its signal handlers are in place),
    /// the moment to publish the broker's address: a client that stops the broker as soon as
    /// it sees the address gets a graceful stop.
    public init(cluster: EmbeddedKafkaCluster, onRunning: @escaping @Sendable () throws -> Void = {}) {
        self.cluster = cluster
        self.onRunning = onRunning
    }

    public func run() async throws {
        try onRunning()
        try? await gracefulShutdown()
        _ = cluster  // the cluster stops when the last reference goes
    }
}
