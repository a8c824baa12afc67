import Foundation
import Kafka
import OfferWorker
import Testing

/// The brokers the broker-facing scenarios run on, as the argument of one parameterised test
/// per scenario (`@Test(..., arguments: Broker.all)`).
///
/// The mock (librdkafka's in-process cluster) is fast and has fault hooks, but writes no
/// transaction markers, stores no offsets committed in a transaction, ignores LeaveGroup and
/// cannot create topics through the admin API. Tansu is a real Kafka-compatible broker run as
/// a process behind `scripts/kafka-shim.py`; see docs/testing.md for what each can show.
enum Broker: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case mock
    case tansu

    /// Every broker, in the order their cases run.
    static let all: [Broker] = allCases

    var testDescription: String {
        switch self {
        case .mock: "mock"
        case .tansu: "Tansu"
        }
    }

    /// Set to `1` to skip the Tansu cases (each is then reported as skipped with this
    /// reason). Unset, a Tansu that cannot be installed or started fails its tests.
    static let skipTansuVariable = "OFFER_WORKER_SKIP_TANSU"

    /// Starts a fresh broker for one test, with no topics. On Tansu, skips the running test
    /// case when ``skipTansuVariable`` is set.
    func start(sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestBroker {
        TestLogging.setUp()
        switch self {
        case .mock:
            return TestBroker(mock: try EmbeddedKafkaCluster())
        case .tansu:
            return TestBroker(tansu: try await Self.startTansu(sourceLocation: sourceLocation))
        }
    }

    /// Starts Tansu and its shim, unless ``skipTansuVariable`` is set (then skips the test).
    static func startTansu(sourceLocation: SourceLocation = #_sourceLocation) async throws -> TansuProcess {
        if ProcessInfo.processInfo.environment[Self.skipTansuVariable] == "1" {
            try Broker.tansu.skip("\(Self.skipTansuVariable)=1", sourceLocation: sourceLocation)
        }
        return try await TansuProcess.start()
    }

    /// Ends the running test case on this broker as skipped, saying why. The reason is printed
    /// too: the console output does not show a cancelled case's comment.
    func skip(_ reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Never {
        print("⊘ skipped on \(testDescription): \(reason)")
        try Test.cancel(Comment(rawValue: reason), sourceLocation: sourceLocation)
    }

    /// Starts a fresh broker with the worker's topics, every one with `partitions` partitions
    /// (the state topic compacted), as `EmbeddedKafkaCluster.withWorkerTopics` does for the mock.
    func startWithWorkerTopics(_ topics: TopicNames = TopicNames(), partitions: Int,
                               sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestBroker {
        TestLogging.setUp()
        let broker = try await start(sourceLocation: sourceLocation)
        try await broker.createWorkerTopics(topics, partitions: partitions)
        return broker
    }
}
