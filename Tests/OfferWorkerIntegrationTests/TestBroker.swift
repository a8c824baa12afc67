import Foundation
import Kafka
import OfferWorker
import Testing

/// A broker started for one test: the mock cluster or a Tansu process. It stops when the
/// last reference to it goes.
final class TestBroker: Sendable {
    let kind: Broker
    /// Where clients connect: the mock's listener, or the shim in front of Tansu.
    let bootstrapServers: String
    /// The mock cluster and its fault hooks; `nil` on Tansu.
    let embedded: EmbeddedKafkaCluster?
    /// The Tansu and shim processes; `nil` on the mock.
    let tansu: TansuProcess?

    var kafka: KafkaConfiguration { KafkaConfiguration(["bootstrap.servers": bootstrapServers]) }

    /// Producer properties every producer of a test on this broker needs: on Tansu, one
    /// record per batch, because Tansu 0.6.0 answers ListOffsets (the end offset a changelog
    /// restore and the catalog load read up to) with the last batch's first offset + 1, so
    /// records after it in that batch would not be restored
    /// (`BrokerBehaviourTests.endOffsetAfterBatches` reproduces it; docs/testing.md).
    var producerProperties: [String: String] {
        kind == .tansu ? ["batch.num.messages": "1"] : [:]
    }

    private let started = ContinuousClock.now
    private let testName = Test.current?.name ?? "?"

    /// One line per test case and broker, which `scripts/test` sums into the time per broker.
    deinit {
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("[broker-time] \(kind.rawValue) \(String(format: "%.1f", seconds)) \(testName)")
    }

    init(mock cluster: EmbeddedKafkaCluster) {
        TestLogging.setUp()
        kind = .mock
        embedded = cluster
        tansu = nil
        bootstrapServers = cluster.bootstrapServers
    }

    init(tansu process: TansuProcess) {
        kind = .tansu
        embedded = nil
        tansu = process
        bootstrapServers = process.bootstrapServers
    }

    /// Creates `topics`: through the mock's own API (which ignores `config`; the mock neither
    /// compacts nor deletes), or through the admin API on Tansu, waiting until its metadata
    /// shows them.
    func createTopics(_ topics: [NewTopic]) async throws {
        if let embedded {
            for topic in topics { try embedded.createTopic(topic.name, partitions: topic.partitions) }
            return
        }
        let admin = try KafkaAdmin(configuration: kafka)
        try await admin.createTopics(topics)
        let deadline = ContinuousClock.now + .seconds(10)
        var counts: [String: Int] = [:]
        while ContinuousClock.now < deadline {
            counts = try await admin.partitionCounts()
            if topics.allSatisfy({ counts[$0.name] == $0.partitions }) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("topics not visible on \(kind) 10 s after creation: wanted \(topics.map { "\($0.name)=\($0.partitions)" }), metadata has \(counts)")
    }

    func createTopic(_ name: String, partitions: Int, config: [String: String] = [:]) async throws {
        try await createTopics([NewTopic(name: name, partitions: partitions, config: config)])
    }

    /// The worker's topics, each with `partitions` partitions, the state topic compacted.
    func createWorkerTopics(_ topics: TopicNames, partitions: Int) async throws {
        try await createTopics(topics.all.map {
            NewTopic(name: $0, partitions: partitions, config: $0 == topics.changelog ? ["cleanup.policy": "compact"] : [:])
        })
    }

    /// What the broker logged (Tansu and the shim), for failure messages; empty on the mock.
    var log: String { tansu?.log ?? "" }
}
