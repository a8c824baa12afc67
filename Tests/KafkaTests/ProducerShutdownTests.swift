import Foundation
import Kafka
import Logging
import Synchronization
import Testing

/// A producer whose broker is gone must not hold Swift's cooperative threads while it waits,
/// and a caller that gives up on a send must get control back at once.
@Suite("Producer shutdown and cancellation with the broker down", .serialized)
struct ProducerShutdownTests {
    /// A cluster whose only broker is down, and a producer that would wait five minutes for it.
    private static func unreachable(log: LogCapture? = nil) throws -> (EmbeddedKafkaCluster, KafkaProducer) {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("events", partitions: 1)
        cluster.setBrokerDown(1)
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers, "message.timeout.ms": "300000"]),
            logger: log.map { log in Logger(label: "test") { _ in log } } ?? Logger(label: "test"))
        return (cluster, producer)
    }

    private static let closeTimeout = Duration.seconds(5)

    private static let record = ProducerRecord(topic: "events", key: Array("k".utf8), value: Array("v".utf8))

    @Test("cancelling the task of a send in flight returns at once, every unsettled record failed as cancelled")
    func cancelledSendReturnsAtOnce() async throws {
        let (cluster, producer) = try Self.unreachable()
        let started = ContinuousClock.now
        let sending = Task { await producer.send([Self.record, Self.record, Self.record]) }
        // The send task itself may wait for a pool thread while fuzz suites run beside it.
        let handedOver = ContinuousClock.now + .seconds(60)
        while producer.inFlightCount < 3, ContinuousClock.now < handedOver { try await Task.sleep(for: .milliseconds(20)) }
        #expect(producer.inFlightCount == 3, "the records were handed to librdkafka and wait for the broker")
        sending.cancel()
        let results = await sending.value
        let waited = ContinuousClock.now - started
        // Suites running beside this one (the decoder fuzz) can hold every cooperative thread
        // for a while, delaying any task; an uncancellable send would wait the full 300 s.
        #expect(waited < .seconds(150), "the send returned \(waited) after it started; its records time out only after 300 s")
        #expect(results.count == 3)
        #expect(results.allSatisfy { if case .failure(let error) = $0 { error == .cancelled } else { false } })

        // A task cancelled before it sends enqueues nothing.
        let before = producer.inFlightCount
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await producer.send([Self.record])
        }
        #expect(await early.value.allSatisfy { if case .failure(let error) = $0 { error == .cancelled } else { false } })
        #expect(producer.inFlightCount == before)
        await producer.close(timeout: .zero)
        withExtendedLifetime(cluster) {}
    }

    @Test("closing many producers with undelivered records takes one close timeout, not one per pool thread")
    func closeDoesNotBlockThePool() async throws {
        // Eight times as many producers as the cooperative pool has threads (one per core): if
        // close() waited on a pool thread, the closes would run a pool's width at a time and
        // take eight close timeouts; off the pool they all wait together, one timeout. (Other
        // suites in this process may hold pool threads meanwhile, so the test measures the
        // closes themselves, not how quickly some other task gets a thread.)
        let count = 8 * ProcessInfo.processInfo.activeProcessorCount
        let log = LogCapture()
        let (cluster, first) = try Self.unreachable(log: log)
        var producers = [first]
        for _ in 1..<count {
            producers.append(try KafkaProducer(
                configuration: KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers, "message.timeout.ms": "300000"]),
                logger: Logger(label: "test") { _ in log }))
        }
        var abandoned: [Task<[Result<DeliveryReport, KafkaError>], Never>] = []
        for producer in producers { abandoned.append(Task { await producer.send([Self.record]) }) }
        let handedOver = ContinuousClock.now + .seconds(10)
        while producers.contains(where: { $0.inFlightCount == 0 }), ContinuousClock.now < handedOver { try await Task.sleep(for: .milliseconds(20)) }

        let started = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for producer in producers { group.addTask { await producer.close(timeout: Self.closeTimeout) } }
        }
        let closing = ContinuousClock.now - started
        for task in abandoned { task.cancel() }

        #expect(closing >= Self.closeTimeout - .milliseconds(100), "close must wait for undelivered records up to its timeout; it took \(closing)")
        #expect(closing < Self.closeTimeout * 4, "\(count) closes must wait together, not a pool's width at a time; they took \(closing)")
        #expect(log.messages.filter { $0.contains("records still undelivered at close") }.count == count)
        withExtendedLifetime(cluster) {}
    }
}
