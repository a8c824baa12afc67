import Kafka
import Logging

/// Follows a consumer group's committed offsets from the parent while a child runs, and
/// times the run by them: the same yardstick for the C loop, the Swift loop and the worker,
/// none of which it slows (the polling is the parent's).
///
/// Every run commits what is acknowledged every 100 ms, so a commit marks how much was
/// finished at that moment. The steady rate is the slope between the first commits at or
/// past 10 % and 90 % of the input (leaving out the start, when the group is still joined,
/// and the tail), and the CPU per event is the child's CPU time (every thread, from
/// `/proc/<pid>/stat`) over the same span.
///
/// The span can be placed by part of the input only (the worker's cart events, while the
/// acceptances the parent releases as carts are committed trail behind them): then it runs
/// from 10 % to 90 % of that part, and everything committed in it counts.
struct CommitWatcher {
    struct Sample {
        var time: ContinuousClock.Instant
        var committed: Int64
        /// Of `committed`, what the partitions that place the steady span hold.
        var pacing: Int64
        var cpu: Double
    }

    /// What a run measured.
    struct Figures {
        /// Inputs finished in the measured span.
        var events: Int64
        var seconds: Double
        var cpuSeconds: Double
        /// From the first commit to the one covering every input.
        var wholeSeconds: Double
        var rate: Double { Double(events) / seconds }
        var cpuMicrosPerEvent: Double { cpuSeconds * 1e6 / Double(events) }
    }

    let kafka: KafkaConfiguration
    let logger: Logger

    /// Polls `group`'s committed offsets of `partitions` every `interval` until they add up
    /// to `total`, handing each poll's offsets to `onCommitted`. Fails when the child ends
    /// first or `timeout` passes. `pacing` (all of `partitions` by default) are the
    /// partitions that place the steady span.
    func watch(
        group: String, partitions: [TopicPartition], pacing: Set<TopicPartition>? = nil, total: Int64, child: ChildProcess,
        timeout: Duration = .seconds(150), interval: Duration = .milliseconds(5),
        onCommitted: ([TopicPartition: Int64]) throws -> Void = { _ in }
    ) async throws -> [Sample] {
        let pacing = pacing ?? Set(partitions)
        let inspector = try KafkaConsumer(configuration: kafka.merging(["group.id": group]), logger: logger)
        let deadline = ContinuousClock.now + timeout
        var samples: [Sample] = []
        var last: Int64 = -1
        do {
            while true {
                let running = child.isRunning  // before the poll: a child ends right after its last commit
                let committed = try await inspector.committed(partitions)
                let count = committed.values.reduce(0, +)
                if count != last {
                    let paced = committed.reduce(0) { $0 + (pacing.contains($1.key) ? $1.value : 0) }
                    samples.append(Sample(time: .now, committed: count, pacing: paced, cpu: child.cpuSeconds() ?? 0))
                    last = count
                    try onCommitted(committed)
                }
                if count >= total { break }
                guard running else { throw BenchmarkError("\(child.name) ended with \(count) of \(total) inputs committed") }
                guard ContinuousClock.now < deadline else {
                    throw BenchmarkError("\(child.name): only \(count) of \(total) inputs committed after \(timeout)")
                }
                try await Task.sleep(for: interval)
            }
        } catch {
            await inspector.close()
            throw error
        }
        await inspector.close()
        return samples
    }

    /// The figures of a run whose pacing partitions hold `pacingTotal` of its `total`
    /// inputs (all of them by default).
    static func figures(_ samples: [Sample], total: Int64, pacingTotal: Int64? = nil) -> Figures {
        let pacingTotal = pacingTotal ?? total
        let started = samples.first { $0.committed > 0 }!
        var from = samples.first { $0.pacing >= pacingTotal / 10 }!
        var to = samples.first { $0.pacing >= pacingTotal * 9 / 10 }!
        if to.committed == from.committed { (from, to) = (started, samples.last!) }
        return Figures(
            events: to.committed - from.committed, seconds: (to.time - from.time).seconds, cpuSeconds: to.cpu - from.cpu,
            wholeSeconds: (samples.last!.time - started.time).seconds)
    }
}
