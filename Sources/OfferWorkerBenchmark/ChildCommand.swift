import CKafkaCeiling
import Foundation
import Kafka
import Logging
import OfferEngine
import OfferWorker

/// The runs under test, each started by the parent as `OfferWorkerBenchmark child <kind> …`:
///
/// - `ceiling <bootstrap> <group> <input> <output> <expected> [fetch.wait.max.ms]`: the C loop;
/// - `passthrough <bootstrap> <group> <input> <output> <expected>`: the Swift loop;
/// - `worker <bootstrap> <group> <topic prefix> <offers> <cart topic> <acceptance topic>
///   [name=value…]`: the offer worker as `offer-worker run` runs it (with those librdkafka
///   properties), until SIGTERM.
///
/// The loops print `RESULT <records> <seconds> <cpu seconds> <steady records> <steady seconds>
/// <steady cpu seconds>`: from the first record to the last acknowledgement, and from 10 % to
/// 90 % of the outputs acknowledged, as they timed it themselves.
enum ChildCommand {
    static func run(_ arguments: [String]) async throws {
        guard let kind = arguments.first else { throw BenchmarkError("child: no kind given") }
        let rest = Array(arguments.dropFirst())
        // Ends with the parent (which holds the broker) if it goes away.
        let parent = getppid()
        NamedThread.start("bench-orphaned") {
            while getppid() == parent { sleep(1) }
            exit(1)
        }
        switch kind {
        case "ceiling":
            guard rest.count == 5 || rest.count == 6, let expected = Int64(rest[4]), let fetchWait = Int32(rest.count == 6 ? rest[5] : "0")
            else { throw BenchmarkError("child ceiling: bad arguments \(rest)") }
            var result = ckc_result()
            var error = [CChar](repeating: 0, count: 512)
            let status = ckc_run_ceiling(
                rest[0], rest[1], rest[2], rest[3], expected, 20_000, 100, Int32(WorkerConfiguration.defaultPrefetchKilobytes), fetchWait,
                120_000, &result, &error, error.count)
            guard status == 0 else { throw BenchmarkError("C ceiling: \(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))") }
            print("RESULT \(result.records) \(result.seconds) \(result.cpu_seconds) \(result.steady_records) \(result.steady_seconds) \(result.steady_cpu_seconds)")
        case "passthrough":
            guard rest.count == 5, let expected = Int64(rest[4]) else { throw BenchmarkError("child passthrough: bad arguments \(rest)") }
            let result = try PassthroughLoop.run(bootstrap: rest[0], group: rest[1], input: rest[2], output: rest[3], expected: expected)
            print("RESULT \(result.records) \(result.seconds) \(result.cpuSeconds) \(result.steadyRecords) \(result.steadySeconds) \(result.steadyCPUSeconds)")
        case "worker":
            guard rest.count >= 6, let offers = Int(rest[3]) else { throw BenchmarkError("child worker: bad arguments \(rest)") }
            // Extra librdkafka properties, `name=value` (as `offer-worker run --kafka-property`).
            var properties = ["bootstrap.servers": rest[0]]
            for property in rest.dropFirst(6) {
                let parts = property.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw BenchmarkError("child worker: bad property \(property)") }
                properties[parts[0]] = parts[1]
            }
            var logger = Logger(label: "offer-worker")
            logger.logLevel = .error
            let configuration = WorkerConfiguration(
                kafka: KafkaConfiguration(properties), groupId: rest[1],
                topics: WorkerTopics.names(prefix: rest[2], cartUpdated: rest[4], offerAccepted: rest[5]),
                catalogReloadInterval: nil)
            try configuration.validate()
            let worker = OfferWorker(configuration: configuration, catalog: try Workload.catalog(offers: offers), logger: logger)
            try await WorkerRuntime.runUntilSignalled([worker], logger: logger)
        default:
            throw BenchmarkError("child: unknown kind \(kind)")
        }
        fflush(nil)
    }
}

/// The topics of one worker run: shared inputs, outputs and changelog of its own.
enum WorkerTopics {
    static func names(prefix: String, cartUpdated: String, offerAccepted: String) -> TopicNames {
        var topics = TopicNames()
        topics.cartUpdated = cartUpdated
        topics.offerAccepted = offerAccepted
        topics.offerDeclined = "\(prefix).offer.declined"
        topics.offerPresented = "\(prefix).offer.presented"
        topics.cartMutation = "\(prefix).cart.mutation"
        topics.offerRejected = "\(prefix).offer.rejected"
        topics.deadLetter = "\(prefix).dlq"
        topics.changelog = "\(prefix).cart-state"
        return topics
    }

    /// The topics the parent creates for a run (everything but the optional declines).
    static func created(_ topics: TopicNames) -> [String] {
        topics.outputs + [topics.changelog]
    }
}
