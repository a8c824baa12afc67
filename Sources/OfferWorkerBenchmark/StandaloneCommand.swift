import Foundation
import Kafka
import OfferEngine
import OfferWorker

/// `OfferWorkerBenchmark standalone`: only the runs without Kafka, in seconds instead of
/// minutes — decode → evaluate → encode on one thread with the 100- and 1,000-offer catalogs,
/// and the restore of 100,000 carts' changelog records. For profiling and quick before/after
/// comparisons; records are placed on partitions by a hash of their key instead of by the
/// broker's partitioner.
///
/// `standalone <offers> <seconds>` measures one catalog size for `seconds` of CPU and skips
/// the restore: a run whose profile (`perf record -g`) is mostly the measured path.
/// `standalone <offers> <seconds> <carts>` also shrinks the workload to `carts` carts, for
/// instruction counts under `valgrind --tool=callgrind`, where building the full workload
/// would take minutes.
enum StandaloneCommand {
    static func run(_ arguments: [String] = []) throws {
        let sizes = arguments.first.flatMap(Int.init).map { [$0] } ?? [100, 1_000]
        // Without a budget, as the full benchmark: five passes, each of at most 3 s of CPU.
        let budget = arguments.dropFirst().first.flatMap(Double.init) ?? 0
        let carts = arguments.dropFirst(2).first.flatMap(Int.init) ?? Benchmark.carts
        let events = Workload.cartEvents(
            carts: carts, versions: Benchmark.versions, prefix: "evt", spacingMilliseconds: 240)
        let values = Benchmark.parallelMap(events) { HotCodec.encode($0) }
        let placed = place(events.map(\.cartId), partitions: Benchmark.partitions)
        var report = Report()
        for offers in sizes {
            let catalog = try Workload.catalog(offers: offers)
            let engine = OfferEngine(catalog: catalog)
            let plan = AcceptancePlan(events: events, engine: engine)
            let records = Benchmark.standaloneRecords(events: events, values: values, placed: placed, plan: plan)
            // Without a budget, as the full benchmark measures it (the median of five passes);
            // with one, the stream is repeated, each pass on fresh state, and the passes are
            // added up.
            var figures = budget > 0
                ? StandalonePath.measure(records: records, engine: engine, topics: TopicNames(), budget: min(budget, 3))
                : StandalonePath.measureMedian(records: records, engine: engine, topics: TopicNames())
            while figures.cpuSeconds < budget {
                let pass = StandalonePath.measure(
                    records: records, engine: engine, topics: TopicNames(), budget: min(budget - figures.cpuSeconds, 3))
                figures.records += pass.records
                figures.seconds += pass.seconds
                figures.cpuSeconds += pass.cpuSeconds
                figures.outputs += pass.outputs
                figures.deadLetters += pass.deadLetters
            }
            report.rate(
                "decode→evaluate→encode, \(Report.grouped(Double(offers))) offers", eventsPerSecond: figures.rate, ceiling: nil,
                cpuMicros: figures.cpuMicrosPerRecord, target: offers == 100 ? .rate(150_000) : nil)
            print(figures.detail(offers: offers))
        }
        if arguments.isEmpty {
            let restore = try RestoreMeasurement.measure(carts: Benchmark.latencyCarts, partitions: Benchmark.partitions)
            restore.report(into: &report)
            print(restore.detail)
        }
        print("")
        print(report.render())
        if report.missed > 0 { print("\(report.missed) target(s) MISSED") }
    }

    /// A partition and offset for each key, as a broker would give them: the partition from
    /// a stable hash of the key, offsets counting up per partition.
    static func place(_ keys: [String], partitions: Int) -> [(partition: Int32, offset: Int64)] {
        var next = [Int64](repeating: 0, count: partitions)
        return keys.map { key in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            let partition = Int(hash % UInt64(partitions))
            defer { next[partition] += 1 }
            return (Int32(partition), next[partition])
        }
    }
}
